#!/usr/bin/env python3
"""The public API of the `dynamorm` crate, one item per line, from rustdoc's JSON output.

    python3 scripts/public_api.py            # writes public-api.txt
    python3 scripts/public_api.py --check    # fails if public-api.txt differs (CI)

Every item reachable from the crate root by a public path and not `#[doc(hidden)]` is listed:
modules, types, traits, functions, methods (with signatures), fields, variants, associated
items and trait implementations. The list is checked in, so every change to the public API
shows up in review as a diff of `public-api.txt`.

rustdoc's JSON output is unstable: it is produced with `RUSTC_BOOTSTRAP=1` from the machine's
stable toolchain (format version checked below). `cargo public-api` needs a nightly
toolchain, which this machine cannot fetch.
"""
import argparse
import difflib
import json
import os
import subprocess
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "public-api.txt")
FEATURES = "chrono,lambda,streams,cli,s3"
KNOWN_FORMATS = {57}


def rustdoc_json():
    env = dict(os.environ, RUSTC_BOOTSTRAP="1")
    subprocess.run(
        ["cargo", "rustdoc", "-q", "-p", "dynamorm", "--lib", "--features", FEATURES, "--",
         "-Zunstable-options", "--output-format", "json"],
        cwd=ROOT, env=env, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    with open(os.path.join(target, "doc", "dynamorm.json")) as f:
        doc = json.load(f)
    if doc["format_version"] not in KNOWN_FORMATS:
        sys.exit(f"rustdoc JSON format {doc['format_version']} is new to this script: "
                 f"check the rendering below and add it to KNOWN_FORMATS")
    return doc


class Printer:
    def __init__(self, doc, public_paths):
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.public = public_paths

    def name_of(self, id_, fallback):
        if id_ in self.public:
            return self.public[id_]
        entry = self.paths.get(str(id_))
        if entry and entry["crate_id"] == 0:
            return "::".join(entry["path"])
        return fallback

    def args(self, args):
        if not args:
            return ""
        if "angle_bracketed" in args:
            parts = []
            for a in args["angle_bracketed"]["args"]:
                if "type" in a:
                    parts.append(self.ty(a["type"]))
                elif "lifetime" in a:
                    parts.append(a["lifetime"])
                elif "const" in a:
                    parts.append(a["const"].get("expr", "_"))
                else:
                    parts.append("_")
            for c in args["angle_bracketed"]["constraints"]:
                binding = c["binding"]
                if "equality" in binding:
                    eq = binding["equality"]
                    value = self.ty(eq["type"]) if "type" in eq else str(eq)
                    parts.append(f"{c['name']} = {value}")
                else:
                    parts.append(f"{c['name']}: " + " + ".join(self.bound(b) for b in binding["constraint"]))
            return "<" + ", ".join(parts) + ">" if parts else ""
        if "parenthesized" in args:
            p = args["parenthesized"]
            out = "(" + ", ".join(self.ty(t) for t in p["inputs"]) + ")"
            return out + (f" -> {self.ty(p['output'])}" if p.get("output") else "")
        return ""

    def path(self, p):
        return self.name_of(p["id"], p["path"]) + self.args(p.get("args"))

    def bound(self, b):
        if "trait_bound" in b:
            tb = b["trait_bound"]
            prefix = "?" if tb["modifier"] == "maybe" else ""
            return prefix + self.path(tb["trait"])
        if "outlives" in b:
            return b["outlives"]
        return "use<..>"

    def ty(self, t):
        if t is None:
            return "()"
        (kind, v), = t.items()
        if kind == "resolved_path":
            return self.path(v)
        if kind == "generic":
            return v
        if kind == "primitive":
            return v
        if kind == "borrowed_ref":
            lt = (v["lifetime"] + " ") if v["lifetime"] else ""
            return "&" + lt + ("mut " if v["is_mutable"] else "") + self.ty(v["type"])
        if kind == "raw_pointer":
            return ("*mut " if v["is_mutable"] else "*const ") + self.ty(v["type"])
        if kind == "tuple":
            return "(" + ", ".join(self.ty(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        if kind == "slice":
            return "[" + self.ty(v) + "]"
        if kind == "array":
            return "[" + self.ty(v["type"]) + "; " + v["len"] + "]"
        if kind == "impl_trait":
            return "impl " + " + ".join(self.bound(b) for b in v)
        if kind == "dyn_trait":
            traits = [self.path(p["trait"]) for p in v["traits"]]
            lt = [v["lifetime"]] if v.get("lifetime") else []
            return "dyn " + " + ".join(traits + lt)
        if kind == "qualified_path":
            trait = v.get("trait")
            if trait and trait.get("path"):
                return f"<{self.ty(v['self_type'])} as {self.path(trait)}>::{v['name']}"
            return f"{self.ty(v['self_type'])}::{v['name']}"
        if kind == "function_pointer":
            sig = v["sig"]
            return "fn(" + ", ".join(self.ty(x[1]) for x in sig["inputs"]) + ")" + (
                f" -> {self.ty(sig['output'])}" if sig.get("output") else "")
        if kind == "infer":
            return "_"
        return kind

    def generics(self, g):
        params = []
        for p in g["params"]:
            kind = p["kind"]
            if "lifetime" in kind:
                params.append(p["name"])
            elif "type" in kind:
                if kind["type"]["is_synthetic"]:
                    continue
                bounds = kind["type"]["bounds"]
                params.append(p["name"] + (": " + " + ".join(self.bound(b) for b in bounds) if bounds else ""))
            elif "const" in kind:
                params.append(f"const {p['name']}: {self.ty(kind['const']['type'])}")
        where = []
        for w in g["where_predicates"]:
            if "bound_predicate" in w:
                bp = w["bound_predicate"]
                where.append(self.ty(bp["type"]) + ": " + " + ".join(self.bound(b) for b in bp["bounds"]))
        return ("<" + ", ".join(params) + ">" if params else ""), (" where " + ", ".join(where) if where else "")

    def signature(self, name, f):
        header = f["header"]
        prefix = ("const " if header["is_const"] else "") + ("async " if header["is_async"] else "") + (
            "unsafe " if header["is_unsafe"] else "")
        params, where = self.generics(f["generics"])
        inputs = []
        for arg, t in f["sig"]["inputs"]:
            if arg == "self":
                rendered = self.ty(t)
                inputs.append({"Self": "self", "&Self": "&self", "&mut Self": "&mut self"}.get(rendered, "self: " + rendered))
            else:
                inputs.append(f"{arg}: {self.ty(t)}")
        output = f["sig"].get("output")
        ret = f" -> {self.ty(output)}" if output else ""
        return f"{prefix}fn {name}{params}({', '.join(inputs)}){ret}{where}"


def hidden(item):
    return any("doc(hidden)" in json.dumps(a) for a in item.get("attrs", []))


def public_paths(doc):
    """Every public path of every item reachable from the crate root: id -> [paths]."""
    index = doc["index"]
    found = {}

    def visit(path, item):
        if hidden(item):
            return
        known = found.setdefault(item["id"], [])
        if path in known:
            return
        known.append(path)
        if "module" not in item["inner"] or len(known) > 1:
            return
        for child in item["inner"]["module"]["items"]:
            child_item = index.get(str(child))
            if child_item is None or hidden(child_item):
                continue
            if "use" in child_item["inner"]:
                use = child_item["inner"]["use"]
                target = index.get(str(use["id"])) if use["id"] is not None else None
                if target is None:
                    continue
                if use["is_glob"]:
                    for grandchild in target["inner"].get("module", {}).get("items", []):
                        g = index.get(str(grandchild))
                        if g and g.get("name") and g["visibility"] == "public":
                            visit(f"{path}::{g['name']}", g)
                else:
                    visit(f"{path}::{use['name']}", target)
            elif child_item["visibility"] == "public" and child_item.get("name"):
                visit(f"{path}::{child_item['name']}", child_item)

    visit("dynamorm", index[str(doc["root"])])
    # The shortest path names an item; the others are re-exports of it.
    return {id_: sorted(paths, key=lambda p: (p.count("::"), p)) for id_, paths in found.items()}


def walk(doc):
    paths = public_paths(doc)
    printer = Printer(doc, {id_: p[0] for id_, p in paths.items()})
    index = doc["index"]
    lines = []

    def impls_of(prefix, impl_ids):
        for impl_id in impl_ids:
            impl = index[str(impl_id)]["inner"]["impl"]
            if impl["is_synthetic"] or impl["blanket_impl"] is not None:
                continue
            params, where = printer.generics(impl["generics"])
            if impl["trait"] is not None:
                neg = "!" if impl["is_negative"] else ""
                lines.append(f"impl{params} {neg}{printer.path(impl['trait'])} for {printer.ty(impl['for'])}{where}")
                continue
            for item_id in impl["items"]:
                member(prefix, index[str(item_id)], require_public=True)

    def member(prefix, item, require_public):
        if hidden(item) or (require_public and item["visibility"] != "public"):
            return
        (kind, v), = item["inner"].items()
        path = f"{prefix}::{item['name']}"
        if kind == "function":
            lines.append(f"pub {printer.signature(path, v)}")
        elif kind == "assoc_const":
            lines.append(f"pub const {path}: {printer.ty(v['type'])}")
        elif kind == "assoc_type":
            lines.append(f"pub type {path}")
        elif kind == "struct_field":
            lines.append(f"pub field {path}: {printer.ty(v)}")

    def item_lines(path, item):
        (kind, v), = item["inner"].items()
        if kind == "module":
            lines.append(f"pub mod {path}")
        elif kind == "struct":
            params, where = printer.generics(v["generics"])
            lines.append(f"pub struct {path}{params}{where}")
            struct_kind = v["kind"]
            if isinstance(struct_kind, dict) and "plain" in struct_kind:
                for field in struct_kind["plain"]["fields"]:
                    member(path, index[str(field)], require_public=True)
            elif isinstance(struct_kind, dict) and "tuple" in struct_kind:
                for position, field in enumerate(struct_kind["tuple"]):
                    if field is not None and index[str(field)]["visibility"] == "public":
                        lines.append(f"pub field {path}::{position}: {printer.ty(index[str(field)]['inner']['struct_field'])}")
            impls_of(path, v["impls"])
        elif kind == "enum":
            params, where = printer.generics(v["generics"])
            lines.append(f"pub enum {path}{params}{where}")
            for variant_id in v["variants"]:
                variant = index[str(variant_id)]
                if hidden(variant):
                    continue
                vk = variant["inner"]["variant"]["kind"]
                if isinstance(vk, dict) and "struct" in vk:
                    names = [index[str(f)]["name"] + ": " + printer.ty(index[str(f)]["inner"]["struct_field"])
                             for f in vk["struct"]["fields"]]
                    more = ", .." if vk["struct"]["has_stripped_fields"] else ""
                    lines.append(f"pub variant {path}::{variant['name']} {{ {', '.join(names)}{more} }}")
                elif isinstance(vk, dict) and "tuple" in vk:
                    types = [printer.ty(index[str(f)]["inner"]["struct_field"]) if f is not None else "_"
                             for f in vk["tuple"]]
                    lines.append(f"pub variant {path}::{variant['name']}({', '.join(types)})")
                else:
                    lines.append(f"pub variant {path}::{variant['name']}")
            impls_of(path, v["impls"])
        elif kind == "trait":
            params, where = printer.generics(v["generics"])
            lines.append(f"pub trait {path}{params}{where}")
            for member_id in v["items"]:
                member(path, index[str(member_id)], require_public=False)
        elif kind == "function":
            lines.append(f"pub {printer.signature(path, v)}")
        elif kind == "constant":
            lines.append(f"pub const {path}: {printer.ty(v['type'])}")
        elif kind == "static":
            lines.append(f"pub static {path}: {printer.ty(v['type'])}")
        elif kind == "type_alias":
            lines.append(f"pub type {path} = {printer.ty(v['type'])}")
        elif kind in ("macro", "proc_macro"):
            lines.append(f"pub macro {path}")
        else:
            lines.append(f"pub {kind} {path}")

    for id_, item_paths in paths.items():
        item_lines(item_paths[0], index[str(id_)])
        for alias in item_paths[1:]:
            lines.append(f"pub use {alias} = {item_paths[0]}")
    return sorted(set(lines))


def summary(lines):
    kinds = Counter(line.split()[1] if line.startswith("pub ") else "impl" for line in lines)
    kinds.pop("impl", None)
    aliases = kinds.pop("use", 0)
    impls = sum(1 for line in lines if line.startswith("impl"))
    own = sum(kinds.values())
    detail = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    return (f"{own} public items ({detail}), {aliases} re-export paths, "
            f"{impls} trait implementations")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    lines = walk(rustdoc_json())
    text = "".join(line + "\n" for line in lines)
    if args.check:
        with open(OUT) as f:
            old = f.read()
        if old != text:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(True), text.splitlines(True), "public-api.txt", "now"))
            sys.exit("the public API changed: run `python3 scripts/public_api.py` and commit "
                     "public-api.txt with the change")
        print(f"public-api.txt is current: {summary(lines)}")
        return
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote public-api.txt: {summary(lines)}")


if __name__ == "__main__":
    main()
