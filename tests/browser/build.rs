//! Embeds every `tests/vectors/*.json` file so the browser test needs no
//! file system: writes `$OUT_DIR/vector_tests.rs`, one `#[wasm_bindgen_test]`
//! per vector so the runner counts and names each one.
use std::{env, fs, path::PathBuf};

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../vectors");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    let mut tests = String::new();
    for p in paths {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        let file = p.canonicalize().unwrap();
        let ident = name.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        tests += &format!(
            "#[wasm_bindgen_test]\nfn {ident}() {{\n    let problems = parity_browser::check({name:?}, include_str!({file:?}));\n    assert!(problems.is_empty(), \"{{}}\", problems.join(\"\\n\"));\n}}\n"
        );
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out_dir.join("vector_tests.rs"), tests).unwrap();
}
