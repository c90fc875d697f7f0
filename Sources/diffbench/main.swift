// diffbench — benchmarks.
import Jobs
print("diffbench: not implemented yet")
