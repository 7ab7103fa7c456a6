//! Structural invariants of the library's source, checked on the text so they hold by
//! construction rather than by review: writes and table administration reach the SDK from
//! `src/write/send.rs` only, and no module at any depth imports from one that imports it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source directory reads") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source file reads");
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The code of a file without comments and without its `#[cfg(test)] mod tests` (tests
/// may name anything).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The SDK calls that write items.
const WRITE_CALLS: &[&str] = &[
    ".put_item()",
    ".update_item()",
    ".delete_item()",
    ".transact_write_items()",
    ".batch_write_item()",
];

/// The SDK calls that administer a table or read its settings.
const ADMIN_CALLS: &[&str] = &[
    ".create_table()",
    ".update_table()",
    ".delete_table()",
    ".describe_table()",
    ".update_time_to_live()",
    ".describe_time_to_live()",
    ".describe_continuous_backups()",
    ".update_continuous_backups()",
    ".list_tags_of_resource()",
    ".tag_resource()",
    ".untag_resource()",
    ".get_resource_policy()",
    ".put_resource_policy()",
    ".delete_resource_policy()",
    ".describe_contributor_insights()",
    ".update_contributor_insights()",
];

/// Every call of `calls` in the library is in `home`, which makes each of them.
fn only_from(home: &Path, calls: &[&str], what: &str) {
    let mut elsewhere = Vec::new();
    let mut at_home = 0;
    for (path, text) in sources(&src()) {
        let code = code(&text);
        for call in calls {
            let count = code.matches(call).count();
            if path == home {
                at_home += count;
            } else if count > 0 {
                elsewhere.push(format!("{} calls {call}", path.display()));
            }
        }
    }
    assert!(
        elsewhere.is_empty(),
        "SDK {what} calls outside {}: {elsewhere:#?}",
        home.display()
    );
    assert!(
        at_home >= calls.len(),
        "{} makes every {what} call",
        home.display()
    );
}

#[test]
fn writes_reach_the_sdk_only_from_write_send() {
    only_from(&src().join("write").join("send.rs"), WRITE_CALLS, "write");
}

#[test]
fn table_administration_reaches_the_sdk_only_from_deploy_send() {
    only_from(
        &src().join("deploy").join("send.rs"),
        ADMIN_CALLS,
        "administration",
    );
}

/// The module path of a source file (`src/write/plan.rs` → `write::plan`,
/// `src/entity/mod.rs` → `entity`, `src/lib.rs` → ``).
fn module_path(path: &Path) -> String {
    let rel = path.strip_prefix(src()).expect("a file under src/");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.strip_suffix(".rs").unwrap_or(&file);
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts.join("::")
}

/// What one module defines and re-exports, and the paths its code names.
#[derive(Default)]
struct Module {
    /// Items defined at the module's top level (structs, traits, functions, …).
    defines: BTreeSet<String>,
    /// `pub use` names: the local name and the absolute path it stands for.
    exports: BTreeMap<String, Vec<String>>,
    /// Glob re-exports (`pub use x::*`): absolute module paths.
    globs: Vec<Vec<String>>,
    /// Every absolute path the module's code uses (imports, and `crate::`/`super::` paths
    /// in its code); a `pub use` counts only when the name is also used in the module.
    uses: Vec<Vec<String>>,
}

/// The identifier at the start of `text`.
fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// Items a module defines: top-level (unindented) declarations.
fn definitions(code: &str) -> BTreeSet<String> {
    const KINDS: [&str; 9] = [
        "fn ", "struct ", "enum ", "trait ", "type ", "const ", "static ", "mod ", "union ",
    ];
    let mut out = BTreeSet::new();
    for line in code.lines() {
        if line.starts_with(' ') || line.starts_with('}') {
            continue;
        }
        let mut rest = line;
        for prefix in [
            "pub(crate) ",
            "pub(super) ",
            "pub ",
            "async ",
            "const ",
            "unsafe ",
        ] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        for kind in KINDS {
            if let Some(name) = rest.strip_prefix(kind) {
                out.insert(ident(name).to_owned());
            }
        }
        if let Some(name) = rest.strip_prefix("macro_rules! ") {
            out.insert(ident(name).to_owned());
        }
    }
    out.remove("");
    out
}

/// The paths of one `use` tree (`a::{b, c::d as e, f::*}`), with the name each binds.
fn use_tree(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut base = prefix.to_vec();
        base.extend(head);
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let (mut depth, mut start) = (0, 0);
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    use_tree(&base, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        use_tree(&base, &inner[start..], out);
        return;
    }
    if tree.is_empty() {
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.trim(), Some(alias.trim())),
        None => (tree, None),
    };
    let mut full = prefix.to_vec();
    full.extend(path.split("::").map(str::trim).map(str::to_owned));
    if full.last().is_some_and(|s| s == "self") {
        full.pop();
    }
    let name = alias.map_or_else(|| full.last().cloned().unwrap_or_default(), str::to_owned);
    out.push((full, name));
}

/// A path as written in module `here` made absolute (without `crate`); `None` for paths
/// outside the crate.
fn absolute(here: &[String], path: &[String], children: &BTreeSet<String>) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => {
            let mut base = here.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        name => {
            let mut child = here.to_vec();
            child.push(name.to_owned());
            if !children.contains(&child.join("::")) {
                return None;
            }
            here.to_vec()
        }
    };
    let skip = usize::from(matches!(first.as_str(), "crate" | "self"));
    base.extend(path[skip..].iter().cloned());
    Some(base)
}

/// Every module of the crate with what it defines, re-exports and uses.
fn modules() -> BTreeMap<String, Module> {
    let files = sources(&src());
    let names: BTreeSet<String> = files.iter().map(|(p, _)| module_path(p)).collect();
    let mut out = BTreeMap::new();
    for (path, text) in &files {
        let name = module_path(path);
        let here: Vec<String> = name
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let code = code(text);
        let mut module = Module {
            defines: definitions(&code),
            ..Module::default()
        };
        let mut rest = code.as_str();
        let mut body = String::new();
        // `use` statements, then what is left of the code.
        while let Some(at) = rest.find("use ") {
            let line_start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
            let head = rest[line_start..at].trim();
            let is_use = head.is_empty() || head.starts_with("pub");
            let prev = rest[..at].chars().last();
            if !is_use || prev.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                body.push_str(&rest[..at + 4]);
                rest = &rest[at + 4..];
                continue;
            }
            let end = rest[at..].find(';').map_or(rest.len(), |i| at + i);
            body.push_str(&rest[..line_start]);
            let mut paths = Vec::new();
            use_tree(&[], &rest[at + 4..end], &mut paths);
            let public = head.starts_with("pub");
            for (path, local) in paths {
                let Some(abs) = absolute(&here, &path, &names) else {
                    continue;
                };
                if local == "*" {
                    let mut module_path = abs.clone();
                    module_path.pop();
                    if public {
                        module.globs.push(module_path);
                    } else {
                        module.uses.push(module_path);
                    }
                } else if public {
                    module.exports.insert(local.clone(), abs.clone());
                    module.uses.push(abs);
                } else {
                    module.uses.push(abs);
                }
            }
            rest = &rest[end..];
        }
        body.push_str(rest);
        // `mod x;` declares, it does not use (a re-exported `x::x` is not named by it).
        let body: String = body
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.starts_with("mod ")
                    || l.starts_with("pub mod ")
                    || l.starts_with("pub(crate) mod "))
            })
            .collect::<Vec<_>>()
            .join("\n");
        // Re-exports count as uses only where the module's own code names them.
        let exported: Vec<(String, Vec<String>)> = module
            .exports
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        module.uses.retain(|path| {
            exported
                .iter()
                .find(|(_, target)| target == path)
                .is_none_or(|(local, _)| mentions(&body, local))
        });
        for prefix in ["crate::", "super::", "self::"] {
            for (at, _) in body.match_indices(prefix) {
                if body[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
                {
                    continue;
                }
                let mut path: Vec<String> = Vec::new();
                let mut cursor = &body[at..];
                loop {
                    let segment = ident(cursor);
                    if segment.is_empty() {
                        break;
                    }
                    path.push(segment.to_owned());
                    cursor = &cursor[segment.len()..];
                    match cursor.strip_prefix("::") {
                        Some(next)
                            if next.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') =>
                        {
                            cursor = next
                        }
                        _ => break,
                    }
                }
                if let Some(abs) = absolute(&here, &path, &names) {
                    module.uses.push(abs);
                }
            }
        }
        out.insert(name, module);
    }
    out
}

/// Whether `code` names `ident` as a whole word.
fn mentions(code: &str, ident: &str) -> bool {
    code.match_indices(ident).any(|(at, _)| {
        let before = code[..at].chars().last();
        let after = code[at + ident.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// The module that defines what `path` (absolute, without `crate`) names: re-exports are
/// followed to their source, so naming an item through a parent's `pub use` is a
/// dependency on the item's own module, not on the parent.
fn defining_module(
    modules: &BTreeMap<String, Module>,
    path: &[String],
    depth: usize,
) -> Option<String> {
    let mut module = String::new();
    let mut i = 0;
    while i < path.len() {
        let child = if module.is_empty() {
            path[i].clone()
        } else {
            format!("{module}::{}", path[i])
        };
        if !modules.contains_key(&child) {
            break;
        }
        module = child;
        i += 1;
    }
    let here = modules.get(&module)?;
    let Some(name) = path.get(i) else {
        return Some(module);
    };
    if here.defines.contains(name) || depth > 8 {
        return Some(module);
    }
    if let Some(target) = here.exports.get(name) {
        let mut next = target.clone();
        next.extend(path[i + 1..].iter().cloned());
        return defining_module(modules, &next, depth + 1);
    }
    for glob in &here.globs {
        let mut next = glob.clone();
        next.extend(path[i..].iter().cloned());
        if let Some(found) = defining_module(modules, &next, depth + 1)
            && found != *glob.join("::")
        {
            return Some(found);
        }
    }
    Some(module)
}

/// Which module depends on which, at every depth (`entity::def` → `entity`), by where the
/// items each one names are defined. The crate root (`lib.rs`) is left out: it declares
/// and re-exports every module.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, module) in &modules {
        if name.is_empty() {
            continue;
        }
        let entry = deps.entry(name.clone()).or_default();
        for path in &module.uses {
            if let Some(target) = defining_module(&modules, path, 0)
                && !target.is_empty()
                && target != *name
            {
                entry.insert(target);
            }
        }
    }
    deps
}

/// The cycles of a dependency graph, each as `a → b → a`.
fn cycles(deps: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut cycles = Vec::new();
    for start in deps.keys() {
        let mut stack: Vec<Vec<&String>> = vec![vec![start]];
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = path[path.len() - 1];
            for next in deps.get(last).into_iter().flatten() {
                if next == start {
                    let mut cycle: Vec<&str> = path.iter().map(|s| s.as_str()).collect();
                    cycle.push(start);
                    cycles.push(cycle.join(" → "));
                } else if seen.insert(next) {
                    let mut longer = path.clone();
                    longer.push(next);
                    stack.push(longer);
                }
            }
        }
    }
    cycles
}

#[test]
fn modules_have_no_import_cycles_at_any_depth() {
    let deps = module_graph();
    let found = cycles(&deps);
    assert!(found.is_empty(), "module import cycles: {found:#?}");
    assert!(
        deps.len() > 60 && deps.contains_key("entity::def") && deps.contains_key("ops::update"),
        "the modules at every depth were found: {:?}",
        deps.keys()
    );
}

#[test]
fn the_module_graph_sees_what_it_must() {
    // Guards against a checker that passes because it sees nothing.
    let deps = module_graph();
    let has = |from: &str, to: &str| deps.get(from).is_some_and(|d| d.contains(to));
    assert!(
        has("ops::put", "write::plan"),
        "a `use crate::write::plan::..` edge"
    );
    assert!(
        has("ops::put", "entity::def"),
        "through a parent's `pub(crate) use`"
    );
    assert!(
        has("batch::write", "batch::retry"),
        "a `use super::retry::..` edge"
    );
    let mut fake = BTreeMap::new();
    fake.insert("a".to_owned(), BTreeSet::from(["a::b".to_owned()]));
    fake.insert("a::b".to_owned(), BTreeSet::from(["a".to_owned()]));
    assert_eq!(
        cycles(&fake).len(),
        2,
        "a two-module cycle is found from both ends"
    );
}

/// `text` with comments, string literals and char literals blanked (line breaks kept), so
/// the braces left are the code's own. Raw strings are not handled: macros/src has none.
fn without_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    // What a blanked stretch keeps: its line breaks.
    let keep = |c: char, out: &mut String| out.push(if c == '\n' { '\n' } else { ' ' });
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    keep(c, &mut out);
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut last = ' ';
                for c in chars.by_ref() {
                    keep(c, &mut out);
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    keep(c, &mut out);
                    match c {
                        '\\' => {
                            chars.next().inspect(|c| keep(*c, &mut out));
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            // A char literal (`'{'`, `'\''`), not a lifetime (`'a`).
            '\'' => {
                let ahead: Vec<char> = chars.clone().take(2).collect();
                if ahead.first() == Some(&'\\') || ahead.get(1) == Some(&'\'') {
                    let mut escaped = false;
                    for c in chars.by_ref() {
                        if c == '\'' && !escaped {
                            break;
                        }
                        escaped = c == '\\' && !escaped;
                    }
                }
                out.push(' ');
            }
            _ => out.push(c),
        }
    }
    out
}

#[test]
fn no_function_in_the_derive_macros_is_longer_than_150_lines() {
    const LIMIT: usize = 150;
    let macros = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("macros")
        .join("src");
    let mut too_long = Vec::new();
    let mut functions = 0;
    for (path, text) in sources(&macros) {
        // The functions whose body is open: (name, line of `fn`, brace depth outside it).
        let mut open: Vec<(String, usize, usize)> = Vec::new();
        // A `fn` whose body has not opened yet.
        let mut signature: Option<(String, usize)> = None;
        let mut depth = 0;
        for (number, line) in without_literals(&text).lines().enumerate() {
            let words: Vec<&str> = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(at) = words.iter().position(|w| *w == "fn") {
                let name = words.get(at + 1).copied().unwrap_or("?");
                signature = Some((name.to_owned(), number + 1));
            }
            for c in line.chars() {
                match c {
                    '{' => {
                        if let Some((name, first)) = signature.take() {
                            open.push((name, first, depth));
                        }
                        depth += 1;
                    }
                    '}' => {
                        depth = depth.saturating_sub(1);
                        if open.last().is_some_and(|(_, _, outside)| *outside == depth) {
                            let (name, first, _) = open.pop().expect("an open function");
                            functions += 1;
                            let lines = number + 1 - first + 1;
                            if lines > LIMIT {
                                too_long.push(format!(
                                    "{}: `fn {name}` (line {first}) has {lines} lines",
                                    path.display()
                                ));
                            }
                        }
                    }
                    // A declaration without a body (`fn f();` in a trait).
                    ';' => signature = None,
                    _ => {}
                }
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "functions over {LIMIT} lines in macros/src (split them): {too_long:#?}"
    );
    assert!(functions > 50, "the functions were found ({functions})");
}
