//! Embeds every `tests/vectors/*.json` file so the browser test needs no
//! file system: writes `$OUT_DIR/vectors.rs` = `&[(name, text), ...]`.
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
    let mut out = String::from("&[\n");
    for p in paths {
        println!("cargo:rerun-if-changed={}", p.display());
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        out += &format!(
            "    ({name:?}, include_str!({:?})),\n",
            p.canonicalize().unwrap()
        );
    }
    out += "]\n";
    fs::write(
        PathBuf::from(env::var("OUT_DIR").unwrap()).join("vectors.rs"),
        out,
    )
    .unwrap();
}
