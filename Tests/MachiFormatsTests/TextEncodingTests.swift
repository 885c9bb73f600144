import Testing

@testable import MachiFormats

@Suite struct TextEncodingTests {
    @Test func cp932EncodesVendorExtensions() throws {
        let encoder = try TextEncoder(.cp932)
        #expect(try encoder.encode("①") == [0x87, 0x40])
        #expect(try encoder.encode("㈱") == [0x87, 0x8A])
        #expect(try encoder.encode("髙") == [0xFB, 0xFC])
        #expect(try encoder.encode("ＭＨ-001") == [0x82, 0x6C, 0x82, 0x67, 0x2D, 0x30, 0x30, 0x31])
        #expect(try encoder.encode("ｶﾅ") == [0xB6, 0xC5])
        // JIS-style code points from Mac text land on CP932's own characters.
        #expect(try encoder.encode("〜−") == [0x81, 0x60, 0x81, 0x7C])
    }

    @Test func cp932RoundTrip() throws {
        let text = "本町一丁目①㈱髙橋 ｶﾅ \\ ~ 合流"
        let bytes = try TextEncoder(.cp932).encode(text)
        #expect(try TextDecoder(.cp932).decode(bytes) == text)
    }

    @Test func cp932InvalidBytesReportTheirOffset() throws {
        let decoder = try TextDecoder(.cp932)
        #expect(throws: TextConversionError.invalidBytes(.cp932, byteOffset: 2)) { try decoder.decode([0x41, 0x42, 0xFF]) }
        #expect(throws: TextConversionError.invalidBytes(.cp932, byteOffset: 1)) { try decoder.decode([0x41, 0x82]) }
        #expect(throws: TextConversionError.invalidBytes(.cp932, byteOffset: 0)) { try decoder.decode([0x82, 0x20]) }
        let error = TextConversionError.invalidBytes(.cp932, byteOffset: 2)
        #expect(error.description == "invalid CP932 byte sequence at byte offset 2")
    }

    @Test func utf8DecodingValidatesAndStripsTheBOM() throws {
        let decoder = try TextDecoder(.utf8)
        #expect(try decoder.decode([0xEF, 0xBB, 0xBF] + Array("人孔".utf8)) == "人孔")
        #expect(throws: TextConversionError.invalidBytes(.utf8, byteOffset: 1)) { try decoder.decode([0x61, 0xC3]) }
        #expect(throws: TextConversionError.invalidBytes(.utf8, byteOffset: 0)) { try decoder.decode([0xC0, 0x80]) }
        #expect(throws: TextConversionError.invalidBytes(.utf8, byteOffset: 2)) { try decoder.decode([0x61, 0x62, 0xED, 0xA0, 0x80]) }
    }

    @Test func unencodableCharacterIsNamed() throws {
        let encoder = try TextEncoder(.cp932)
        #expect(throws: TextConversionError.unencodable("🍣", .cp932, characterOffset: 2)) { try encoder.encode("寿司🍣") }
        let error = TextConversionError.unencodable("🍣", .cp932, characterOffset: 2)
        #expect(error.description == "\"🍣\" (U+1F363) at character 2 cannot be encoded in CP932")
        #expect(try TextEncoder(.utf8).encode("🍣") == Array("🍣".utf8))
    }

    @Test func detection() throws {
        #expect(TextEncoding.detect(Array("abc,123".utf8)) == .utf8)
        #expect(TextEncoding.detect(Array("人孔番号,排除方式".utf8)) == .utf8)
        #expect(TextEncoding.detect(try TextEncoder(.cp932).encode("人孔番号,排除方式")) == .cp932)
        #expect(TextEncoding.detect(try TextEncoder(.cp932).encode("①")) == .cp932)
        #expect(Array(TextEncoding.strippingBOM([0xEF, 0xBB, 0xBF, 0x41])) == [0x41])
        #expect(Array(TextEncoding.strippingBOM([0x41, 0xEF])) == [0x41, 0xEF])
    }

    @Test func truncatedUTF8AtAChunkEndCountsAsValid() {
        let cut: [UInt8] = Array("ab人".utf8).dropLast()
        cut.withUnsafeBufferPointer { p in
            #expect(UTF8Validation.firstInvalidOffset(in: p) == 2)
            #expect(UTF8Validation.firstInvalidOffset(in: p, allowTruncatedEnd: true) == nil)
        }
    }
}
