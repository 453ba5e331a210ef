//! The layering rule of ARCHITECTURE.md, read from the code: every `crate::`, `super::` and
//! `self::` path in `src/` (uses, types, calls, macro arguments) is an arrow from its file to the
//! file that defines what it names. A module (a folder or file directly under `src/`) may only
//! point at modules on lower lines of the "Layers" block, and no files may point at each other in a
//! circle. A folder's `mod.rs` declaring, re-exporting or calling its own files is containment, not
//! an arrow; test-only code (`#[cfg(test)]`) may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

type ModPath = Vec<String>;

/// The layers of ARCHITECTURE.md, top first: module → line number (lower = deeper).
fn layers() -> BTreeMap<String, usize> {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let block = doc
        .split("## Layers")
        .nth(1)
        .and_then(|rest| rest.split("```text\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("ARCHITECTURE.md has a `## Layers` section with a ```text block");
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    let mut rank = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let names = line.split('|').next().unwrap_or_default();
        for name in names.split_whitespace() {
            assert!(rank.insert(name.to_owned(), lines.len() - i).is_none(), "{name} is on two lines of the layers");
        }
    }
    rank
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The module a file under `src/` is: `store/claims.rs` → [store, claims], `store/mod.rs` → [store].
fn module_of(relative: &Path) -> ModPath {
    let mut parts: ModPath = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().expect("a file name");
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" {
        parts.push(stem.to_owned());
    }
    parts
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<syn::Meta>().is_ok_and(|m| m.path().is_ident("test")))
}

/// Every path a file names, as written (`crate::store::Db`, `super::Findings`), outside test code;
/// and the files it declares test-only (`#[cfg(test)] mod tests;`).
#[derive(Default)]
struct Paths {
    named: Vec<Vec<String>>,
    test_modules: Vec<String>,
}

impl Paths {
    fn add(&mut self, segments: Vec<String>) {
        if matches!(segments.first().map(String::as_str), Some("crate" | "super" | "self")) {
            self.named.push(segments);
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.add([prefix.clone(), vec![n.ident.to_string()]].concat()),
            syn::UseTree::Rename(r) => self.add([prefix.clone(), vec![r.ident.to_string()]].concat()),
            syn::UseTree::Glob(_) => self.add(prefix.clone()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix, t)),
        }
    }

    /// Paths inside macro arguments, which syn leaves as tokens: `crate :: a :: b`.
    fn tokens(&mut self, tokens: proc_macro2::TokenStream) {
        let mut current: Vec<String> = Vec::new();
        let mut after_colons = false;
        for tree in tokens {
            match tree {
                proc_macro2::TokenTree::Ident(ident) => {
                    // An identifier continues the path after `::`, else it starts another.
                    if !after_colons {
                        self.add(std::mem::take(&mut current));
                    }
                    current.push(ident.to_string());
                    after_colons = false;
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && !current.is_empty() => {
                    after_colons = p.spacing() == proc_macro2::Spacing::Alone;
                }
                other => {
                    self.add(std::mem::take(&mut current));
                    after_colons = false;
                    if let proc_macro2::TokenTree::Group(g) = other {
                        self.tokens(g.stream());
                    }
                }
            }
        }
        self.add(current);
    }
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Macro(m) => &m.attrs,
            syn::Item::Trait(t) => &t.attrs,
            syn::Item::Type(t) => &t.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if is_test_only(attrs) {
            if let syn::Item::Mod(m) = item
                && m.content.is_none()
            {
                self.test_modules.push(m.ident.to_string());
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.add(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// Each file of `src/` (but the crate roots) with the files it points at.
fn arrows() -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let src = root().join("src");
    let mut files = BTreeMap::new();
    let mut test_only = BTreeSet::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(&src).expect("under src/").to_path_buf();
                let text = std::fs::read_to_string(&path).expect("a source file");
                let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let mut paths = Paths::default();
                paths.visit_file(&file);
                let module = module_of(&relative);
                let parent = if relative.ends_with("mod.rs") || relative.parent() == Some(Path::new("")) {
                    module.clone()
                } else {
                    module[..module.len() - 1].to_vec()
                };
                for name in &paths.test_modules {
                    test_only.insert([parent.clone(), vec![name.clone()]].concat());
                }
                files.insert(module, paths.named);
            }
        }
    }
    let roots = [vec!["lib".to_owned()], vec!["main".to_owned()]];
    let modules: BTreeSet<ModPath> = files.keys().cloned().collect();
    let mut arrows = BTreeMap::new();
    for (module, named) in &files {
        if roots.contains(module) || test_only.iter().any(|t| module.starts_with(t)) {
            continue;
        }
        let targets = named
            .iter()
            .filter_map(|path| absolute(module, path))
            .filter_map(|path| (1..=path.len()).rev().map(|n| path[..n].to_vec()).find(|p| modules.contains(p)))
            // A module's own files are contained in it, not imported by it.
            .filter(|target| target != module && !target.starts_with(module))
            .collect();
        arrows.insert(module.clone(), targets);
    }
    arrows
}

/// `path` as written in `module`, from the crate root.
fn absolute(module: &ModPath, path: &[String]) -> Option<ModPath> {
    let mut base = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => module.clone(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let mut rest = &path[1..];
    while rest.first().is_some_and(|s| s == "super") {
        base.pop()?;
        rest = &rest[1..];
    }
    Some([base, rest.to_vec()].concat())
}

/// The circles among files (Tarjan's strongly connected components of more than one file).
fn circles(arrows: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct Walk<'a> {
        arrows: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, (usize, usize)>,
        stack: Vec<&'a ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a ModPath) {
            let n = self.index.len();
            self.index.insert(v, (n, n));
            self.stack.push(v);
            for w in self.arrows.get(v).into_iter().flatten() {
                let low = match self.index.get(w) {
                    None => {
                        self.visit(w);
                        self.index[w].1
                    }
                    Some(&(i, _)) if self.stack.contains(&w) => i,
                    Some(_) => continue,
                };
                let entry = self.index.get_mut(v).expect("visited");
                entry.1 = entry.1.min(low);
            }
            if self.index[v].0 == self.index[v].1 {
                let at = self.stack.iter().position(|x| *x == v).expect("on the stack");
                let component: Vec<ModPath> = self.stack.drain(at..).cloned().collect();
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk { arrows, index: BTreeMap::new(), stack: Vec::new(), found: Vec::new() };
    for v in arrows.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_module_imports_one_above_it_and_no_files_import_each_other_in_a_circle() {
    let rank = layers();
    let arrows = arrows();
    let mut unlisted = BTreeSet::new();
    let mut upward = Vec::new();
    for (from, targets) in &arrows {
        for to in targets {
            let (a, b) = (&from[0], &to[0]);
            match (rank.get(a), rank.get(b)) {
                _ if a == b => {}
                (Some(ra), Some(rb)) if ra > rb => {}
                (Some(_), Some(_)) => upward.push(format!("{} → {}", from.join("/"), to.join("/"))),
                (None, _) => drop(unlisted.insert(a.clone())),
                (_, None) => drop(unlisted.insert(b.clone())),
            }
        }
    }
    let circles: Vec<String> =
        circles(&arrows).into_iter().map(|c| c.iter().map(|m| m.join("/")).collect::<Vec<_>>().join(", ")).collect();
    assert!(unlisted.is_empty(), "modules missing from ARCHITECTURE.md's layers: {unlisted:?}");
    assert!(upward.is_empty(), "{} arrows run up or sideways:\n{}", upward.len(), upward.join("\n"));
    assert!(circles.is_empty(), "{} circles of files:\n{}", circles.len(), circles.join("\n"));
}

#[test]
fn the_checker_sees_what_a_file_names() {
    let arrows = arrows();
    let path = |p: &str| p.split('/').map(str::to_owned).collect::<ModPath>();
    let ingest = &arrows[&path("ingest")];
    for target in ["store/claims", "validation", "vault"] {
        assert!(ingest.contains(&path(target)), "ingest points at {target}: {ingest:?}");
    }
    // A folder's own files are contained in it; its test-only files are not read.
    assert!(!ingest.contains(&path("ingest/commit")), "{ingest:?}");
    assert!(!arrows.contains_key(&path("formats/xml130/tests")));
    let mut paths = Paths::default();
    paths.tokens("x, move crate::store::Db, self::y".parse().expect("tokens"));
    assert_eq!(paths.named, vec![path("crate/store/Db"), path("self/y")]);
    assert_eq!(absolute(&path("a/b"), &["super".into(), "c".into()]), Some(path("a/c")));
    assert_eq!(absolute(&path("a"), &["crate".into(), "x".into()]), Some(path("x")));
}
