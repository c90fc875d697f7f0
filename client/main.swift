// diffctl — thin main.
import DiffProtocol
print("diffctl: not implemented yet")
