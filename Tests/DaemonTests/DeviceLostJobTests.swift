// DeviceLostJobTests.swift — a GPU that is lost mid-job (VK_ERROR_DEVICE_LOST, injected by the
// fault loader of Tests/Fixtures/faultvulkan.c) fails that job with a message naming the device
// and the error; the daemon keeps serving, and a CPU job submitted next succeeds.
import DiffProtocol
import Foundation
import Testing

@Suite(.serialized) struct DeviceLostJobTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let compiler = ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let ci = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The fault loader built to fail every vkQueueSubmit; nil (with the reason printed) outside CI
    /// when there is no C compiler or no Vulkan loader.
    static func faultLoader(in dir: String) throws -> String? {
        let hasLoader = ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib/aarch64-linux-gnu/libvulkan.so.1"]
            .contains { FileManager.default.fileExists(atPath: $0) }
        guard let cc = compiler, hasLoader else {
            if ci { throw HarnessError(description: "CI needs a C compiler and libvulkan for the device-lost job test") }
            print("skipped: no C compiler or no Vulkan loader")
            return nil
        }
        let so = dir + "/libfaultvulkan.so"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cc)
        p.arguments = ["-shared", "-fPIC", "-o", so, repo.appendingPathComponent("Tests/Fixtures/faultvulkan.c").path,
                       "-DFAIL_SUBMIT", "-DFAIL_AFTER=0", "-ldl"]
        try p.run(); p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw HarnessError(description: "building the fault loader failed") }
        return so
    }

    @Test func aLostDeviceFailsTheJobByNameAndTheDaemonServesOn() throws {
        let d = try DaemonProcess(extraArgs: ["--backend", "vulkan", "--shader-dir", DeviceLostJobTests.repo.appendingPathComponent("shaders").path])
        defer { d.cleanup() }
        guard let loader = try DeviceLostJobTests.faultLoader(in: d.dir) else { return }
        d.environment["DIFFUSIOND_VULKAN_LIBRARY"] = loader
        try d.start()
        let lost = try submit(try d.connect(), trainSpec(name: "on-gpu", steps: 30, extra: ["width": .int(32), "timeEmbedDim": .int(16)]))
        let (_, events) = try follow(d, lost.id, timeout: 120)
        let end = try #require(events.last)
        #expect(end.state == .failed)
        let error = end.error ?? ""
        #expect(error.contains("VK_ERROR_DEVICE_LOST") && error.contains("llvmpipe"), "\(error)")
        #expect(!FileManager.default.fileExists(atPath: d.stateDir + "/models/on-gpu/model.ckpt"), "no model from a lost device")

        // the daemon still answers, and a CPU job runs
        let info = try diffctl(["info"], socket: d.socket)
        #expect(info.status == 0 && info.stdout.contains("daemon"), "\(info.stderr)")
        let cpu = try submit(try d.connect(), trainSpec(name: "on-cpu", steps: 30, extra: ["backend": .string("cpu")]))
        #expect(try follow(d, cpu.id, timeout: 120).events.last?.state == .succeeded)
        #expect(d.isRunning)
    }
}
