//! Province-level administrative division codes (GB/T 2260, first two digits).

/// First two digits of every real province-level division code (GB/T 2260),
/// plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao) and 83 (the code used in
/// residence-permit numbers issued to Taiwan residents).
pub const PROVINCE_CODES: &[&str] = &[
    "11", "12", "13", "14", "15", // 北京 天津 河北 山西 内蒙古
    "21", "22", "23", // 辽宁 吉林 黑龙江
    "31", "32", "33", "34", "35", "36",
    "37", // 上海 江苏 浙江 安徽 福建 江西 山东
    "41", "42", "43", "44", "45", "46", // 河南 湖北 湖南 广东 广西 海南
    "50", "51", "52", "53", "54", // 重庆 四川 贵州 云南 西藏
    "61", "62", "63", "64", "65", // 陕西 甘肃 青海 宁夏 新疆
    "71", "81", "82", "83", // 台湾 香港 澳门 (83: 台湾居民居住证)
];

/// Whether `code` (exactly two ASCII digits) is a real province code.
pub(crate) fn is_province_code(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn province_codes() {
        assert_eq!(PROVINCE_CODES.len(), 35);
        for c in ["11", "41", "65", "83"] {
            assert!(is_province_code(c), "{c}");
        }
        for c in [
            "00", "10", "16", "20", "47", "55", "66", "72", "84", "99", "4", "410",
        ] {
            assert!(!is_province_code(c), "{c}");
        }
    }
}
