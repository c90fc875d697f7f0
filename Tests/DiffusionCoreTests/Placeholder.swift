import Testing
import DiffusionCore
@Test func philoxKnownAnswer() {
    let r = Philox.block(counter: (0,0,0,0), key: (0,0))
    #expect(r.0 == 0x6627e8d5 && r.1 == 0xe169c58d && r.2 == 0xbc57ac4c && r.3 == 0x9b00dbd8)
}
