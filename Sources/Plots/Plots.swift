// Plots — placeholder until the plot writers land.
import Foundation
