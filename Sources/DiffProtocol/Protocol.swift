// DiffProtocol — placeholder until the wire types land.
import Foundation
