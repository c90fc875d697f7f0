// Daemon — placeholder.
import Jobs
import DiffProtocol
