//! `application/x-www-form-urlencoded` bodies, as the portals read them. Written by hand because a
//! submission carries a whole file as one base64 field (megabytes), which a byte-by-byte generic
//! decoder turns into most of the mock's time: runs of plain bytes are copied whole here.

use std::collections::HashMap;

/// The fields of `body`, each name and value percent-decoded (`+` is a space). A `%` not followed by
/// two hex digits stays as it is (as WHATWG says); a name or value that is not UTF-8 once decoded
/// refuses the body. A repeated name keeps its last value.
pub fn parse(body: &[u8]) -> Option<HashMap<String, String>> {
    let mut fields = HashMap::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        fields.insert(decode(name)?, decode(value)?);
    }
    Some(fields)
}

fn decode(text: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.iter().position(|b| matches!(b, b'%' | b'+')) {
        out.extend_from_slice(&rest[..at]);
        rest = &rest[at..];
        match (rest[0], rest.get(1).copied().and_then(hex), rest.get(2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push(high << 4 | low);
                rest = &rest[3..];
            }
            (b'+', _, _) => {
                out.push(b' ');
                rest = &rest[1..];
            }
            (other, _, _) => {
                out.push(other);
                rest = &rest[1..];
            }
        }
    }
    out.extend_from_slice(rest);
    String::from_utf8(out).ok()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn fields_decode_as_the_standard_says() {
        let f = parse(b"username=83_SYT&fileHSBase64=PD94bWw%2BPC9h%2FQ%3D%3D&ten=Nguy%E1%BB%85n+V%C4%83n&x=50%&y")
            .unwrap();
        assert_eq!(f["username"], "83_SYT");
        assert_eq!(f["fileHSBase64"], "PD94bWw+PC9h/Q==");
        assert_eq!(f["ten"], "Nguyễn Văn");
        assert_eq!(f["x"], "50%");
        assert_eq!(f["y"], "");
        assert!(parse(b"a=%FF%FE").is_none(), "not UTF-8");
    }

    #[test]
    fn it_reads_what_serde_urlencoded_writes() {
        let fields = [("maCSKCB", "83001"), ("note", "a+b=c&d é %"), ("empty", "")];
        let body = serde_urlencoded::to_string(fields).unwrap();
        let parsed = parse(body.as_bytes()).unwrap();
        for (name, value) in fields {
            assert_eq!(parsed[name], value);
        }
    }
}
