//! Seed corpora for the fuzz targets, from `tests/vectors/*.json`:
//! `cargo run --example seeds -- <corpus dir>` (run by `scripts/fuzz.sh`).
//!
//! - `call_json/`: per vector, the operation's index in `OPERATIONS` as one
//!   byte, then the request as JSON;
//! - `envelope_open/`: each vector's request (as a JSON value), its catalog
//!   snapshot and its client state, if any, sealed under `catalog` and written
//!   in the target's three forms (bytes, base64 text, frame without its
//!   checksum).
//!
//! `cache_read` and `sync_replay` decode their input with `arbitrary` and
//! start from nothing.

use commerce_core::api::OPERATIONS;
use commerce_core::cache::envelope::{seal, seal_text};
use commerce_core::cache::Meta;
use commerce_core::catalog::CatalogSnapshot;
use commerce_core::sync::ClientState;
use serde_json::Value;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

const KEY: &str = "catalog";
const NOW: i64 = 1_763_800_000_000;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Box<dyn Error>> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join(name), bytes)?;
    Ok(())
}

fn envelopes<T: serde::Serialize>(dir: &Path, name: &str, value: &T) -> Result<(), Box<dyn Error>> {
    let meta = Meta::new(NOW, 60_000, 600_000, Some("\"v1\"".to_owned()));
    let bytes = seal(KEY, value, &meta).map_err(|e| e.to_string())?;
    let text = seal_text(KEY, value, &meta).map_err(|e| e.to_string())?;
    let frame = bytes
        .get(..bytes.len().saturating_sub(4))
        .unwrap_or_default();
    write(
        dir,
        &format!("{name}-bytes"),
        &[[0u8].as_slice(), &bytes].concat(),
    )?;
    write(
        dir,
        &format!("{name}-text"),
        &[[1u8].as_slice(), text.as_bytes()].concat(),
    )?;
    write(
        dir,
        &format!("{name}-frame"),
        &[[2u8].as_slice(), frame].concat(),
    )?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| root.join("fuzz/corpus"), PathBuf::from);
    let mut vectors: Vec<PathBuf> = fs::read_dir(root.join("tests/vectors"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    vectors.retain(|p| p.extension().is_some_and(|e| e == "json"));
    vectors.sort();
    let (mut calls, mut sealed) = (0, 0);
    for path in &vectors {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("vector file name")?;
        let vector: Value = serde_json::from_str(&fs::read_to_string(path)?)?;
        let (Some(op), Some(request)) = (vector["op"].as_str(), vector.get("request")) else {
            continue;
        };
        let index = OPERATIONS
            .iter()
            .position(|o| *o == op)
            .ok_or_else(|| format!("{name}: unknown operation {op}"))?;
        let body = serde_json::to_string(request)?;
        let seed = [[u8::try_from(index)?].as_slice(), body.as_bytes()].concat();
        write(&out.join("call_json"), name, &seed)?;
        calls += 1;
        let dir = out.join("envelope_open");
        envelopes(&dir, name, request)?;
        if let Ok(catalog) = serde_json::from_value::<CatalogSnapshot>(request["catalog"].clone()) {
            envelopes(&dir, &format!("{name}-catalog"), &catalog)?;
        }
        if let Ok(client) = serde_json::from_value::<ClientState>(request["client"].clone()) {
            envelopes(&dir, &format!("{name}-client"), &client)?;
        }
        sealed += 1;
    }
    println!(
        "seeds: {calls} call_json, {sealed} vectors sealed for envelope_open, in {}",
        out.display()
    );
    Ok(())
}
