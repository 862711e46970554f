//! The tidy rule against import cycles: inside each crate, the top-level modules' references to
//! one another form a graph with no cycle, so every module can be read, tested and moved after
//! the ones it builds on. A reference is a `crate::` path (in a `use` or written inline), a
//! `super::` path that climbs to the crate's root, or a name the root re-exports from a module.
//! Tests are left out (inline `#[cfg(test)]` modules, `tests.rs` and `*_tests.rs` files: a test
//! may reach anywhere), and so are comments and string and character literals.
//!
//! A cycle is named with one reference of each of its edges, file and line, so the way to break
//! it (move the shared item down, into the module both can use) is plain.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Result;

/// Where one module first imports another: the file and the line.
type Edges = BTreeMap<String, BTreeMap<String, (PathBuf, usize)>>;

/// Every crate's source folder the rule reads: each `crates/*/src`, the shell's and xtask's.
pub fn check(root: &Path, breaches: &mut Vec<String>) -> Result<()> {
    let mut sources: Vec<PathBuf> =
        [root.join("src-tauri/src"), root.join("xtask/src")].into_iter().filter(|dir| dir.is_dir()).collect();
    for entry in std::fs::read_dir(root.join("crates"))? {
        let source = entry?.path().join("src");
        if source.is_dir() {
            sources.push(source);
        }
    }
    sources.sort();
    for source in sources {
        let edges = module_imports(&source)?;
        for cycle in cycles(&edges) {
            breaches.push(describe(root, &source, &cycle, &edges));
        }
    }
    Ok(())
}

/// The edges between the top-level modules of the crate whose source is `source`: each
/// reference through `crate::` or through enough `super::` to reach the crate's root, a name the
/// root re-exports counted as its module's.
fn module_imports(source: &Path) -> Result<Edges> {
    let mut files = Vec::new();
    crate::source_files::rust_files(source, &mut files)?;
    // The file's module path: `src/hr/overview.rs` is `hr::overview`, `src/hr/mod.rs` is `hr`.
    let module_path = |file: &Path| -> Vec<String> {
        let relative = file.strip_prefix(source).unwrap_or(file);
        let mut path: Vec<String> =
            relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
        let file_name = path.pop().unwrap_or_default();
        let stem = file_name.strip_suffix(".rs").unwrap_or(&file_name).to_owned();
        let is_root = path.is_empty() && matches!(stem.as_str(), "lib" | "main");
        if stem != "mod" && !is_root {
            path.push(stem);
        }
        path
    };
    let module_of = |file: &Path| module_path(file).first().cloned();
    let modules: BTreeSet<String> = files.iter().filter_map(|file| module_of(file)).collect();
    let reexported = root_reexports(source, &modules);
    let mut edges = Edges::new();
    for file in &files {
        let Some(module) = module_of(file) else { continue };
        // A test-only file (`tests.rs`, `*_tests.rs`) may reach anywhere, as an inline tests module may.
        let name = file.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file)?;
        for (line, named) in crate_imports(&text, module_path(file).len()) {
            let imported =
                if modules.contains(&named) { Some(named) } else { reexported.get(&named).cloned() };
            if let Some(imported) = imported.filter(|imported| *imported != module) {
                edges.entry(module.clone()).or_default().entry(imported).or_insert((file.clone(), line));
            }
        }
    }
    Ok(edges)
}

/// The names the crate's root (`lib.rs` or `main.rs`) re-exports from one of its `modules`
/// (`pub use cx::{CxSurveyTool, parse as parse_cx}` gives `CxSurveyTool` and `parse_cx`), with
/// that module: `crate::CxSurveyTool` reaches `cx`.
fn root_reexports(source: &Path, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let root = ["lib.rs", "main.rs"].iter().find_map(|name| std::fs::read_to_string(source.join(name)).ok());
    let code = code_only(&root.unwrap_or_default());
    let mut names = BTreeMap::new();
    for statement in code.split(';') {
        let Some(rest) = statement.trim_start().strip_prefix("pub use ") else { continue };
        let rest = rest.trim_start().strip_prefix("crate::").unwrap_or(rest.trim_start());
        let module: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !modules.contains(&module) {
            continue;
        }
        // Every name that ends a path or follows `as`, but not one that `as` renames.
        let words: Vec<&str> = rest
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .filter(|word| !word.is_empty())
            .collect();
        for (index, word) in words.iter().enumerate() {
            if word.ends_with("::") || *word == "as" || words.get(index + 1) == Some(&"as") {
                continue;
            }
            let name = word.rsplit("::").next().unwrap_or(word);
            if !name.is_empty() && name != "self" && *word != module.as_str() {
                names.insert(name.to_owned(), module.clone());
            }
        }
    }
    names
}

/// The names `text` reaches at the crate's root, each with its line: through `crate::` (in a
/// `use`, or a path written inline), or through `super::` repeated `depth` times or more, `depth`
/// being how deep the file's module sits (1 for `src/hr.rs` or `src/hr/mod.rs`). Comments,
/// string and character literals, and inline `#[cfg(test)]` modules are left out.
fn crate_imports(text: &str, depth: usize) -> Vec<(usize, String)> {
    let code = code_only(text);
    let mut found = Vec::new();
    let (mut at, mut counted, mut lines_before) = (0, 0, 0);
    while at < code.len() {
        let rest = &code[at..];
        let word_start = !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        let reached = if !word_start {
            None
        } else if let Some(after) = rest.strip_prefix("crate::") {
            Some((after, "crate::".len()))
        } else if rest.starts_with("super::") {
            let supers = rest.len() - rest.trim_start_matches("super::").len();
            let after = &rest[supers..];
            (supers / "super::".len() >= depth).then_some((after, supers))
        } else {
            None
        };
        let Some((after, skip)) = reached else {
            at += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        lines_before += code[counted..at].matches('\n').count();
        counted = at;
        let line = lines_before + 1;
        for name in first_segments(group_or_path(after)) {
            found.push((line, name));
        }
        at += skip;
    }
    found
}

/// The text of a path after `crate::`: a `{…}` group to its matching brace, or the rest.
fn group_or_path(after: &str) -> &str {
    if !after.starts_with('{') {
        return after;
    }
    matching_brace(after).map_or(after, |close| &after[..=close])
}

/// The index of the `}` that closes the `{` `text` starts with, if it is closed.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` with its comments, string and character literals blanked (newlines kept, so lines
/// keep their numbers) and its inline `#[cfg(test)] mod … { … }` blocks removed.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        if c == '/' && next == Some('/') {
            while index < chars.len() && chars[index] != '\n' {
                index += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0usize;
            while index < chars.len() {
                if chars[index] == '/' && chars.get(index + 1) == Some(&'*') {
                    depth += 1;
                    index += 2;
                } else if chars[index] == '*' && chars.get(index + 1) == Some(&'/') {
                    depth -= 1;
                    index += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[index]));
                    index += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && raw_string_prefix_starts(&chars, index)
        {
            // A raw string: r"…" or r#"…"#, any number of hashes.
            let hashes = chars[index + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(index + 1 + hashes) == Some(&'"') {
                index += 2 + hashes;
                while index < chars.len() {
                    let closes =
                        chars[index] == '"' && (0..hashes).all(|k| chars.get(index + 1 + k) == Some(&'#'));
                    if closes {
                        index += 1 + hashes;
                        break;
                    }
                    out.push(blank(chars[index]));
                    index += 1;
                }
            } else {
                out.push(c);
                index += 1;
            }
        } else if c == '"' {
            index += 1;
            while index < chars.len() && chars[index] != '"' {
                if chars[index] == '\\' {
                    index += 1;
                }
                if let Some(&inside) = chars.get(index) {
                    out.push(blank(inside));
                }
                index += 1;
            }
            index += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'); a lifetime ('a) is code.
            if next == Some('\\') {
                // The escaped character, then up to the closing quote ('\'', '\u{..}').
                index += 3;
                while index < chars.len() && chars[index] != '\'' {
                    index += 1;
                }
                index += 1;
            } else if chars.get(index + 2) == Some(&'\'') {
                index += 3;
            } else {
                out.push(c);
                index += 1;
            }
        } else {
            out.push(c);
            index += 1;
        }
    }
    without_test_modules(&out)
}

fn is_ident(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
}

/// Whether the `r` at `index` opens a raw string: alone (`r"…"`), or after `b` or `c`
/// (`br"…"`, `cr"…"`), not inside an identifier such as `for` or `bar`.
fn raw_string_prefix_starts(chars: &[char], index: usize) -> bool {
    let before = index.checked_sub(1).and_then(|at| chars.get(at));
    match before {
        Some('b' | 'c') => !is_ident(index.checked_sub(2).and_then(|at| chars.get(at))),
        other => !is_ident(other),
    }
}

/// `code` without its inline `#[cfg(test)] mod name { … }` blocks (a `mod name;` declaration
/// stays: its file is read on its own).
fn without_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        let after = &rest[at + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        let block = trimmed.strip_prefix("mod ").and_then(|module| {
            let name_end = module.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            module[name_end..].trim_start().starts_with('{').then_some(())
        });
        if block.is_none() {
            out.push_str(&rest[..at + "#[cfg(test)]".len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..at]);
        let open = after.find('{').unwrap_or(0);
        let end = matching_brace(&after[open..]).map_or(after.len(), |close| open + close + 1);
        // Keep the block's lines, so the lines after it keep their numbers.
        out.extend(after[..end].chars().filter(|&c| c == '\n'));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The first path segment of `path` (`hr::Publication` gives `hr`), or of each entry of a
/// `{…}` group (`{hr, periods::x}` gives both).
fn first_segments(path: &str) -> Vec<String> {
    let leading = |entry: &str| -> Option<String> {
        let name: String =
            entry.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        (!name.is_empty() && name != "self").then_some(name)
    };
    let Some(group) = path.trim().strip_prefix('{') else {
        return leading(path).into_iter().collect();
    };
    let mut entries = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                entries.push(&group[start..at]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                entries.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    entries.into_iter().filter_map(leading).collect()
}

/// The strongly connected components of more than one module (Tarjan's algorithm), each sorted.
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    struct Search<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Search<'a> {
        fn visit(&mut self, module: &'a str) {
            let order = self.index.len();
            self.index.insert(module, order);
            self.low.insert(module, order);
            self.stack.push(module);
            self.on_stack.insert(module);
            for next in self.edges.get(module).into_iter().flat_map(|targets| targets.keys()) {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[module].min(self.low[next]);
                    self.low.insert(module, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[module].min(self.index[next]);
                    self.low.insert(module, low);
                }
            }
            if self.low[module] == self.index[module] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == module {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for module in edges.keys() {
        if !search.index.contains_key(module.as_str()) {
            search.visit(module);
        }
    }
    search.found
}

/// One breach: the crate, the modules of the cycle, and one `use` of each edge between them.
fn describe(root: &Path, source: &Path, cycle: &[String], edges: &Edges) -> String {
    let crate_dir = source.parent().unwrap_or(source);
    let crate_name = crate_dir.strip_prefix(root).unwrap_or(crate_dir).display().to_string();
    let mut uses = Vec::new();
    for from in cycle {
        for (to, (file, line)) in edges.get(from).into_iter().flatten() {
            if cycle.contains(to) {
                let file = file.strip_prefix(root).unwrap_or(file).display();
                uses.push(format!("{from} uses crate::{to} at {file}:{line}"));
            }
        }
    }
    format!("{crate_name}: the modules {} import each other ({})", cycle.join(", "), uses.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_from_uses_groups_and_inline_paths_but_not_tests_comments_or_strings() {
        let text = "use crate::hr::Publication;\npub use crate::{periods::{a, b}, store, self};\n\
                    pub(crate) use crate::sync\n    ::Transport;\n// use crate::commented::X;\n\
                    #[cfg(test)]\nmod helpers;\n\
                    fn f() -> u32 { crate::stats::mean(&[]) + g::<'static>('c') }\n\
                    /* crate::blocked::X */ const S: &str = \"crate::quoted::X\";\n\
                    const R: &str = r#\"crate::raw::X\"#; macro_rules! m { () => { $crate::macro_path } }\n\
                    #[cfg(test)]\nmod tests {\n    use crate::testing::X;\n    fn t() { '{'; }\n}\n\
                    fn after_tests() { crate::last::f() }\n";
        let found = crate_imports(text, 1);
        let names: Vec<&str> = found.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(names, ["hr", "periods", "store", "sync", "stats", "last"]);
        assert_eq!(found[0].0, 1, "the line of the use");
        assert_eq!(found[4].0, 8, "an inline path's line");
        assert_eq!(found[5].0, 16, "lines after a removed tests module keep their numbers");
    }

    #[test]
    fn literals_and_comments_of_every_kind_hide_nothing_and_invent_nothing() {
        let text = "const A: &str = \"a\\\"crate::escaped::X\"; fn a() { crate::after_escape::f() }\n\
                    const B: &str = r#\"x\"crate::raw::X\"#; fn b() { crate::after_raw::f() }\n\
                    /* /* crate::nested::X */ crate::still_comment::X */ fn c() { crate::after_nested::f() }\n\
                    const D: &[u8] = br\"C:\\\"; fn d() { crate::after_byte_raw::f() }\n\
                    const E: char = '\\''; fn e() { crate::after_quote::f() }\n\
                    fn g<'a>(x: &'a str) -> &'a str { crate::after_lifetime::f(x) }\n";
        let names: Vec<String> = crate_imports(text, 1).into_iter().map(|(_, name)| name).collect();
        assert_eq!(
            names,
            ["after_escape", "after_raw", "after_nested", "after_byte_raw", "after_quote", "after_lifetime"]
        );
    }

    #[test]
    fn super_reaches_the_root_only_from_deep_enough() {
        let text = "use super::sibling::X;\nuse super::super::other::Y;\n";
        let names =
            |depth| -> Vec<String> { crate_imports(text, depth).into_iter().map(|(_, n)| n).collect() };
        assert_eq!(names(1), ["sibling", "other"], "a top-level module's super is the root");
        assert_eq!(names(2), ["other"], "a submodule's super is its parent; super::super the root");
    }

    #[test]
    fn a_cycle_between_two_modules_is_named_with_both_uses_and_a_chain_is_not() {
        let directory = tempfile::tempdir().unwrap();
        let crate_dir = directory.path().join("crates/demo");
        std::fs::create_dir_all(crate_dir.join("src/hr")).unwrap();
        let write = |path: &str, text: &str| std::fs::write(crate_dir.join(path), text).unwrap();
        write("src/lib.rs", "//! Demo.\nmod hr;\nmod periods;\nmod stats;\n");
        write("src/hr/mod.rs", "//! HR.\nmod overview;\n");
        write("src/hr/overview.rs", "//! Overview.\n\nuse crate::periods::four_weeks;\n");
        write("src/periods.rs", "//! Periods.\nuse crate::stats::band;\nuse crate::hr::Publication;\n");
        write("src/stats.rs", "//! Statistics.\n");
        // A test-only file may reach anywhere.
        write("src/stats_tests.rs", "//! Tests.\nuse crate::hr::X;\n");
        let mut breaches = Vec::new();
        check(directory.path(), &mut breaches).unwrap();
        assert_eq!(breaches.len(), 1, "{breaches:?}");
        let breach = &breaches[0];
        assert!(breach.starts_with("crates/demo: the modules hr, periods import each other"), "{breach}");
        assert!(breach.contains("hr uses crate::periods at crates/demo/src/hr/overview.rs:3"), "{breach}");
        assert!(breach.contains("periods uses crate::hr at crates/demo/src/periods.rs:3"), "{breach}");
        assert!(!breach.contains("stats"), "a module used by one side only is no part of the cycle");
    }

    #[test]
    fn a_cycle_through_super_or_a_name_the_root_re_exports_is_named() {
        let directory = tempfile::tempdir().unwrap();
        let crate_dir = directory.path().join("crates/demo");
        std::fs::create_dir_all(crate_dir.join("src/cx")).unwrap();
        let write = |path: &str, text: &str| std::fs::write(crate_dir.join(path), text).unwrap();
        write(
            "src/lib.rs",
            "//! Demo.\nmod cx;\nmod mapping;\nmod tidy;\nmod files;\npub use cx::{Tool, parse as parse_cx};\n",
        );
        write("src/cx/mod.rs", "//! CX.\nmod rows;\npub struct Tool;\n");
        write("src/cx/rows.rs", "//! Rows.\nfn f() -> usize { super::super::mapping::size() }\n");
        write("src/mapping.rs", "//! Mapping.\nfn g() { crate::parse_cx(); }\n");
        write("src/tidy.rs", "//! Tidy.\nfn h() { super::files::list() }\n");
        write("src/files.rs", "//! Files.\nuse super::tidy::check;\n");
        let mut breaches = Vec::new();
        check(directory.path(), &mut breaches).unwrap();
        breaches.sort();
        assert_eq!(breaches.len(), 2, "{breaches:?}");
        assert!(breaches[0].contains("the modules cx, mapping import each other"), "{breaches:?}");
        assert!(
            breaches[0].contains("mapping uses crate::cx at crates/demo/src/mapping.rs:2"),
            "{breaches:?}"
        );
        assert!(breaches[1].contains("the modules files, tidy import each other"), "{breaches:?}");
    }

    #[test]
    fn this_repository_has_no_import_cycle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
        let mut breaches = Vec::new();
        check(&root, &mut breaches).unwrap();
        assert_eq!(breaches, Vec::<String>::new());
    }
}
