// diffusiond — thin main.
import Daemon
print("diffusiond: not implemented yet")
