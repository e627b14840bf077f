//! The crate's modules read bottom-up: no module uses one that uses it back, directly or
//! through others, file by file and between top-level modules. Paths are resolved as
//! written (a use through a re-export is a use of the re-exporting module), so a module
//! that re-exports its children is a facade they never import through.
//!
//! `cargo test -p evmpc-host --test all layout -- --nocapture` prints the graph;
//! `EVMPC_LAYOUT_SRC=<dir>` checks another tree (an older `host/src`, say).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root: `[]` is the root, `["backend", "wasmi"]` a file.
type ModulePath = Vec<String>;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Other,
}

/// Identifiers, `::` and braces of Rust source, without comments, strings and chars.
fn tokens(source: &str) -> Vec<Token> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        if c == b'/' && next == b'/' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && next == b'*' {
            let mut depth = 0;
            while i < bytes.len() {
                if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == b'r' && (next == b'"' || (next == b'#' && bytes.get(i + 2) == Some(&b'"'))) {
            let hashes = bytes[i + 1..].iter().take_while(|b| **b == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            i += 2 + hashes;
            while i < bytes.len() && !bytes[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push(Token::Other);
        } else if c == b'"' || (c == b'b' && next == b'"') {
            i += if c == b'b' { 2 } else { 1 };
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(Token::Other);
        } else if c == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let quote = bytes[i + 1..].iter().take(12).position(|b| *b == b'\'');
            match quote {
                Some(end) if next == b'\\' || end == 1 || (end <= 4 && !next.is_ascii_alphabetic()) => {
                    i += end + 2;
                }
                _ => i += 1,
            }
            out.push(Token::Other);
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Token::Ident(source[start..i].to_string()));
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b':' && next == b':' {
            out.push(Token::PathSep);
            i += 2;
        } else {
            out.push(match c {
                b'{' => Token::Open,
                b'}' => Token::Close,
                _ => Token::Other,
            });
            i += 1;
        }
    }
    out
}

/// Every file's module path.
fn modules(src: &Path) -> BTreeMap<ModulePath, PathBuf> {
    fn walk(dir: &Path, src: &Path, out: &mut BTreeMap<ModulePath, PathBuf>) {
        let mut entries: Vec<_> =
            std::fs::read_dir(dir).expect("src is readable").flatten().map(|e| e.path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, src, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path.strip_prefix(src).expect("under src").with_extension("");
                let mut module: ModulePath =
                    relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if module == ["lib"] {
                    module.clear();
                }
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, src, &mut out);
    out
}

/// The file modules `file` (module `at`) uses in its code, tests excluded.
fn uses(at: &ModulePath, source: &str, known: &BTreeMap<ModulePath, PathBuf>) -> BTreeSet<ModulePath> {
    let code = source.split("#[cfg(test)]\nmod tests").next().unwrap_or(source);
    let tokens = tokens(code);
    let children: BTreeSet<String> = known
        .keys()
        .filter(|m| m.len() == at.len() + 1 && m.starts_with(at))
        .map(|m| m.last().cloned().unwrap_or_default())
        .collect();
    // Inline modules (`mod name { .. }`) deepen `self` until their brace closes.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut used = BTreeSet::new();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Open => depth += 1,
            Token::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Token::Ident(word) if word == "mod" => {
                if let (Some(Token::Ident(name)), Some(Token::Open)) = (tokens.get(i + 1), tokens.get(i + 2)) {
                    inline.push((name.clone(), depth));
                }
            }
            _ => {}
        }
        // A path: an identifier not preceded by `::`, followed by `::`.
        let starts_path = matches!(&tokens[i], Token::Ident(_))
            && !matches!(i.checked_sub(1).map(|p| &tokens[p]), Some(Token::PathSep))
            && matches!(tokens.get(i + 1), Some(Token::PathSep));
        if starts_path {
            let mut segments = Vec::new();
            let mut j = i;
            while let Some(Token::Ident(word)) = tokens.get(j) {
                segments.push(word.clone());
                if tokens.get(j + 1) != Some(&Token::PathSep) {
                    break;
                }
                j += 2;
            }
            // `use a::{b, c::d}` names `a::b` and `a::c` (and `a` itself through `self`).
            let group = matches!(tokens.get(j), Some(Token::Open));
            let mut paths = Vec::new();
            if !group {
                paths.push(segments.clone());
            } else {
                let mut k = j + 1;
                let mut nested = 0;
                while k < tokens.len() {
                    match &tokens[k] {
                        Token::Open => nested += 1,
                        Token::Close if nested == 0 => break,
                        Token::Close => nested -= 1,
                        Token::Ident(word) if nested == 0 && word == "self" => paths.push(segments.clone()),
                        Token::Ident(word) if nested == 0 && !matches!(tokens.get(k - 1), Some(Token::PathSep)) => {
                            paths.push(segments.iter().cloned().chain([word.clone()]).collect());
                        }
                        _ => {}
                    }
                    k += 1;
                }
            }
            let here: ModulePath = at.iter().cloned().chain(inline.iter().map(|(n, _)| n.clone())).collect();
            for path in paths {
                if let Some(module) = resolve(&here, at, &path, &children, known) {
                    if &module != at {
                        used.insert(module);
                    }
                }
            }
            // Stop on the last segment, or before a group's brace, which the loop then counts.
            i = if group { j - 1 } else { j };
        }
        i += 1;
    }
    used
}

/// The file module a path names, if it names one of this crate's.
fn resolve(
    here: &ModulePath,
    file: &ModulePath,
    path: &[String],
    children: &BTreeSet<String>,
    known: &BTreeMap<ModulePath, PathBuf>,
) -> Option<ModulePath> {
    let mut absolute: ModulePath = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" => here.clone(),
        "super" => here.clone(),
        first if here == file && children.contains(first) => here.clone(),
        _ => return None,
    };
    let mut rest = path;
    if rest[0] == "crate" || rest[0] == "self" {
        rest = &rest[1..];
    }
    while rest.first().is_some_and(|s| s == "super") {
        absolute.pop();
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().cloned());
    (0..=absolute.len()).rev().map(|n| absolute[..n].to_vec()).find(|prefix| known.contains_key(prefix))
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Option<Vec<ModulePath>> {
    fn visit(
        node: &ModulePath,
        graph: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        stack: &mut Vec<ModulePath>,
        done: &mut BTreeSet<ModulePath>,
    ) -> Option<Vec<ModulePath>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut found = stack[at..].to_vec();
            found.push(node.clone());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn name(module: &ModulePath) -> String {
    if module.is_empty() {
        "(root)".into()
    } else {
        module.join("::")
    }
}

/// The graph of this crate's `src/`, or of the tree `EVMPC_LAYOUT_SRC` names (to see the
/// check fail on another layout).
fn file_graph() -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
    let src = std::env::var_os("EVMPC_LAYOUT_SRC")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), PathBuf::from);
    let known = modules(&src);
    known
        .iter()
        .map(|(module, path)| {
            let source = std::fs::read_to_string(path).expect("source is readable");
            (module.clone(), uses(module, &source, &known))
        })
        .collect()
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let graph = file_graph();
    for (module, used) in &graph {
        println!("{:<28} -> {}", name(module), used.iter().map(name).collect::<Vec<_>>().join(", "));
    }
    if let Some(found) = cycle(&graph) {
        panic!("module cycle: {}", found.iter().map(name).collect::<Vec<_>>().join(" -> "));
    }
    // The same between top-level modules, each with its children.
    let mut top: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
    for (module, used) in &graph {
        let from: ModulePath = module.iter().take(1).cloned().collect();
        let entry = top.entry(from.clone()).or_default();
        entry.extend(used.iter().map(|m| m.iter().take(1).cloned().collect::<ModulePath>()).filter(|m| *m != from));
    }
    if let Some(found) = cycle(&top) {
        panic!("cycle between top-level modules: {}", found.iter().map(name).collect::<Vec<_>>().join(" -> "));
    }
}

#[test]
fn the_checker_sees_a_cycle_through_children_and_uses() {
    let known: BTreeMap<ModulePath, PathBuf> =
        [vec![], vec!["a".to_string()], vec!["a".into(), "b".into()], vec!["c".into()]]
            .into_iter()
            .map(|m| (m, PathBuf::new()))
            .collect();
    let a = uses(&vec!["a".into()], "mod b;\npub use b::Thing;\nfn f() { crate::c::g(\"crate::x\") }", &known);
    assert_eq!(a, [vec!["a".to_string(), "b".to_string()], vec!["c".to_string()]].into_iter().collect());
    let b = uses(&vec!["a".into(), "b".into()], "use super::{Other, b::X};\n// crate::c\n", &known);
    assert_eq!(b, [vec!["a".to_string()]].into_iter().collect());
    let graph: BTreeMap<ModulePath, BTreeSet<ModulePath>> =
        [(vec!["a".to_string()], a), (vec!["a".into(), "b".into()], b)].into_iter().collect();
    assert!(cycle(&graph).is_some());
}
