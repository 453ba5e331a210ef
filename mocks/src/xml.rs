//! A small XML tree built with quick-xml, with limits so a hostile document cannot exhaust memory.
//! The mocks read what they receive with this, independently of the gateway's own XML code.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub children: Vec<Element>,
    /// Text and CDATA content, concatenated and trimmed.
    pub text: String,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a direct child, if present and not empty.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str()).filter(|t| !t.is_empty())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum XmlError {
    #[error("not well-formed XML: {0}")]
    Syntax(String),
    #[error("the document has no root element")]
    Empty,
    #[error("the document nests deeper than {0} levels")]
    TooDeep(usize),
    #[error("the document has more than {0} elements")]
    TooManyElements(usize),
    #[error("DOCTYPE declarations are not accepted")]
    Doctype,
}

const MAX_DEPTH: usize = 32;
const MAX_ELEMENTS: usize = 2_000_000;

/// Parses a whole document (a UTF-8 BOM is allowed) into its root element.
pub fn parse(bytes: &[u8]) -> Result<Element, XmlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| XmlError::Syntax(e.to_string()))?;
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(XmlError::Syntax(format!("content after the root element: <{}>", e.name().as_ref())));
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements(MAX_ELEMENTS));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep(MAX_DEPTH));
                }
                stack.push(Element { name: local_name(e.name().as_ref()), ..Element::default() });
            }
            Event::Empty(e) => {
                count += 1;
                let el = Element { name: local_name(e.name().as_ref()), ..Element::default() };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let mut el = stack.pop().ok_or_else(|| XmlError::Syntax("unbalanced end tag".into()))?;
                el.text = el.text.trim().to_owned();
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let resolved = match &*r {
                        "lt" => "<".to_owned(),
                        "gt" => ">".to_owned(),
                        "amp" => "&".to_owned(),
                        "apos" => "'".to_owned(),
                        "quot" => "\"".to_owned(),
                        other => match r.resolve_char_ref() {
                            Ok(Some(c)) => c.to_string(),
                            _ => return Err(XmlError::Syntax(format!("unknown entity &{other};"))),
                        },
                    };
                    top.text.push_str(&resolved);
                }
            }
            Event::CData(c) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c.xml10_content());
                }
            }
            Event::DocType(_) => return Err(XmlError::Doctype),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(XmlError::Syntax("the document ends inside an element".into()));
    }
    root.ok_or(XmlError::Empty)
}

fn local_name(name: &str) -> String {
    name.rsplit_once(':').map_or(name, |(_, local)| local).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_text_cdata_and_entities() {
        let doc = "\u{feff}<?xml version=\"1.0\"?><A><B> x &amp; y </B><C><![CDATA[<Nguyễn>]]></C><D/></A>";
        let root = parse(doc.as_bytes()).unwrap();
        assert_eq!(root.name, "A");
        assert_eq!(root.field("B"), Some("x & y"));
        assert_eq!(root.field("C"), Some("<Nguyễn>"));
        assert!(root.child("D").is_some() && root.field("D").is_none());
    }

    #[test]
    fn refuses_bombs_and_garbage() {
        let bomb = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><A>&lol;</A>";
        assert!(matches!(parse(bomb.as_bytes()), Err(XmlError::Doctype)));
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(matches!(parse(deep.as_bytes()), Err(XmlError::TooDeep(_))));
        assert!(parse(b"<A><B></A>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"<A/><B/>").is_err());
    }
}
