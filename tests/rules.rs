//! Each row of the rule catalogue (`src/validation/catalogue.csv`) leads to one function: the
//! rule's code, in snake case, is the name of the one function outside tests that writes the code,
//! so a reader who meets `TOTAL_T_BHTT` in an answer finds what checks it by the name
//! `total_t_bhtt`. The catalogue's own file may name codes (what a rule may be set to); nothing
//! else does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn codes() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("src/validation/catalogue.csv")).expect("catalogue.csv");
    text.lines().skip(1).filter_map(|l| l.split(',').next()).map(str::to_owned).collect()
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
}

/// Where each code is written as a string: (file, the function around it, or `-` outside any).
struct Sites<'c> {
    codes: &'c BTreeSet<String>,
    file: String,
    functions: Vec<String>,
    found: BTreeMap<String, BTreeSet<(String, String)>>,
}

impl Sites<'_> {
    fn literal(&mut self, value: &str) {
        if self.codes.contains(value) {
            let function = self.functions.last().cloned().unwrap_or_else(|| "-".to_owned());
            self.found.entry(value.to_owned()).or_default().insert((self.file.clone(), function));
        }
    }

    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Literal(l) => {
                    if let Ok(syn::Lit::Str(s)) = syn::parse_str::<syn::Lit>(&l.to_string()) {
                        self.literal(&s.value());
                    }
                }
                proc_macro2::TokenTree::Group(g) => self.tokens(g.stream()),
                _ => {}
            }
        }
    }

    fn function(&mut self, name: String, visit: impl FnOnce(&mut Self)) {
        self.functions.push(name);
        visit(self);
        self.functions.pop();
    }
}

impl<'ast> Visit<'ast> for Sites<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Const(c) => &c.attrs,
            _ => &[],
        };
        if !is_test_only(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.function(f.sig.ident.to_string(), |s| syn::visit::visit_item_fn(s, f));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            self.function(f.sig.ident.to_string(), |s| syn::visit::visit_impl_item_fn(s, f));
        }
    }

    fn visit_lit_str(&mut self, lit: &'ast syn::LitStr) {
        self.literal(&lit.value());
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            out.push(path);
        }
    }
}

#[test]
fn each_rule_of_the_catalogue_is_written_by_one_function_named_after_it() {
    let codes: BTreeSet<String> = codes().into_iter().collect();
    let mut sites = Sites { codes: &codes, file: String::new(), functions: Vec::new(), found: BTreeMap::new() };
    let mut files = Vec::new();
    // The domain crate decides what a card number's parts are.
    for dir in ["src", "domain/src"] {
        sources(&root().join(dir), &mut files);
    }
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a source file");
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        sites.file = path.strip_prefix(root()).expect("under the workspace").display().to_string();
        sites.visit_file(&file);
    }
    let mut wrong = Vec::new();
    for code in &codes {
        let function = code.to_lowercase();
        let found = sites.found.remove(code).unwrap_or_default();
        let elsewhere: Vec<String> = found
            .iter()
            .filter(|(file, f)| *f != function && file != "src/validation/catalogue.rs")
            .map(|(file, f)| format!("{file}::{f}"))
            .collect();
        let homes = found.iter().filter(|(_, f)| *f == function).count();
        if homes != 1 || !elsewhere.is_empty() {
            wrong.push(format!("{code}: {homes} × fn {function}; also in {}", elsewhere.join(", ")));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} rules are not written by one function named after them:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_codes_in_calls_macros_and_constants() {
    let codes: BTreeSet<String> = ["FIELD_REQUIRED".to_owned()].into();
    let mut sites = Sites { codes: &codes, file: "x.rs".into(), functions: Vec::new(), found: BTreeMap::new() };
    let file = syn::parse_file(
        r#"
        const C: &str = "FIELD_REQUIRED";
        fn field_required(f: &mut F) { f.add("FIELD_REQUIRED") }
        impl F { fn other(&self) { matches!(self.rule, "FIELD_REQUIRED"); } }
        #[cfg(test)] mod tests { fn t() { "FIELD_REQUIRED"; } }
        "#,
    )
    .expect("sample parses");
    sites.visit_file(&file);
    let found: Vec<String> = sites.found["FIELD_REQUIRED"].iter().map(|(_, f)| f.clone()).collect();
    assert_eq!(found, ["-", "field_required", "other"]);
}
