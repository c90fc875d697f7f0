// ShapeCheck.swift — the Backend-boundary checks of the CPU backends. This module is built with
// -Ounchecked (its kernels measured 1.2–1.6× faster so: see Package.swift), which removes every
// `precondition`; `shapeCheck` is built on `fatalError`, which no optimisation level removes, so
// a wrong size stops at the op that names it instead of writing out of bounds.

/// Stops with `message` when `condition` is false, in every build configuration.
@inline(__always)
func shapeCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
