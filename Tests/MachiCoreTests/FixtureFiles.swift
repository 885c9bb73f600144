import Foundation
import MachiFormats
import MachiGeometry

/// Text as a Japanese government CSV would be: CP932 bytes.
func cp932(_ text: String) throws -> [UInt8] {
    try TextEncoder(.cp932).encode(text)
}

/// ESRI WKT of JGD2011 plane rectangular CS zone VI, as GIS packages write it to .prj.
let zoneVIPrj =
    #"PROJCS["JGD_2011_Japan_Zone_6",GEOGCS["GCS_JGD_2011",DATUM["D_JGD_2011",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",136.0],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",36.0],UNIT["Meter",1.0]]"#

/// A pipe shapefile in the plane CS with Japanese (CP932) DBF column names, as a ledger
/// system exports it; columns map to attributes through the layer's aliases.
func writeTestPipeShapefile(at path: String, pipes: [(String, String)], around center: (Double, Double)) throws {
    let toPlane = try CoordinateTransformer(from: "OGC:CRS84", to: "EPSG:6674")
    guard case .point(let c) = try toPlane.transform(.point(Position(center.0, center.1))) else { return }
    let writer = try ShapefileWriter(
        path: path, shapeType: .polyLine,
        fields: [.character("本管番号", length: 20), .character("排除方式", length: 10), .numeric("管径", length: 6)],
        encoding: .cp932, prj: zoneVIPrj)
    for (i, p) in pipes.enumerated() {
        let x = c.x + Double(i) * 30
        try writer.write(.lineString([Position(x, c.y), Position(x + 25, c.y + 5)]), [.string(p.0), .string(p.1), .int(600)])
    }
    try writer.close()
}
