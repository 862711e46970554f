//! The tidy rule against import cycles: inside each crate, the top-level modules' references to
//! one another through `crate::` (in a `use` or a path written inline) form a graph with no
//! cycle, so every module can be read, tested and moved after the ones it builds on. Tests are
//! left out (inline `#[cfg(test)]` modules, `tests.rs` and `*_tests.rs` files: a test may reach
//! anywhere), and so are comments and string literals.
//!
//! A cycle is named with one `use` of each of its edges, file and line, so the way to break it
//! (move the shared item down, into the module both can use) is plain.

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

/// The `crate::` edges between the top-level modules of the crate whose source is `source`.
fn module_imports(source: &Path) -> Result<Edges> {
    let mut files = Vec::new();
    super::tidy::rust_files(source, &mut files)?;
    let module_of = |file: &Path| -> Option<String> {
        let first = file.strip_prefix(source).ok()?.components().next()?;
        let name = first.as_os_str().to_string_lossy();
        let name = name.strip_suffix(".rs").unwrap_or(&name).to_owned();
        (!matches!(name.as_str(), "lib" | "main")).then_some(name)
    };
    let modules: BTreeSet<String> = files.iter().filter_map(|file| module_of(file)).collect();
    let mut edges = Edges::new();
    for file in &files {
        let Some(module) = module_of(file) else { continue };
        // A test-only file (`tests.rs`, `*_tests.rs`) may reach anywhere, as an inline tests module may.
        let name = file.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file)?;
        for (line, imported) in crate_imports(&text) {
            if imported != module && modules.contains(&imported) {
                edges.entry(module.clone()).or_default().entry(imported).or_insert((file.clone(), line));
            }
        }
    }
    Ok(edges)
}

/// The top-level modules `text` names through `crate::` (in a `use`, or a path written inline),
/// each with its line; comments, string and character literals, and inline `#[cfg(test)]`
/// modules are left out.
fn crate_imports(text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let mut found = Vec::new();
    let mut rest = code.as_str();
    let mut offset = 0;
    while let Some(at) = rest.find("crate::") {
        let start = offset + at;
        let preceded = code[..start].chars().next_back();
        let whole_word = !preceded.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        let after = &code[start + "crate::".len()..];
        if whole_word {
            let line = code[..start].matches('\n').count() + 1;
            let path = if after.starts_with('{') {
                after.find('}').map_or(after, |close| {
                    // A group may nest groups: take it to its matching brace.
                    let mut depth = 0usize;
                    let mut end = close;
                    for (index, c) in after.char_indices() {
                        match c {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    end = index;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    &after[..=end]
                })
            } else {
                after
            };
            for name in first_segments(path) {
                found.push((line, name));
            }
        }
        offset = start + "crate::".len();
        rest = &code[offset..];
    }
    found
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
            && !is_ident(chars.get(index.wrapping_sub(1)))
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
                index += 2;
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
        let mut depth = 0usize;
        let mut end = after.len();
        for (index, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + index + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
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
        let found = crate_imports(text);
        let names: Vec<&str> = found.iter().map(|(_, name)| name.as_str()).collect();
        assert_eq!(names, ["hr", "periods", "store", "sync", "stats", "last"]);
        assert_eq!(found[0].0, 1, "the line of the use");
        assert_eq!(found[4].0, 8, "an inline path's line");
        assert_eq!(found[5].0, 16, "lines after a removed tests module keep their numbers");
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
    fn this_repository_has_no_import_cycle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned();
        let mut breaches = Vec::new();
        check(&root, &mut breaches).unwrap();
        assert_eq!(breaches, Vec::<String>::new());
    }
}
