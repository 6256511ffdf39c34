//! The crate graph is the architecture: `cargo metadata` against the layers ARCHITECTURE.md
//! states. The kernel never depends on an area, no area on the binary, and an area only on
//! areas below it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The layers as ARCHITECTURE.md lists them between `<!-- layers -->` and `<!-- /layers -->`:
/// lines like `2. lianxin-registries`, several crates of one layer separated by commas.
fn layers_from_architecture() -> BTreeMap<String, usize> {
    let text =
        std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let start = text
        .find("<!-- layers -->")
        .expect("ARCHITECTURE.md marks its layers");
    let end = text
        .find("<!-- /layers -->")
        .expect("the end of the layers");
    let mut layers = BTreeMap::new();
    for line in text[start..end].lines() {
        let line = line.trim().trim_start_matches("- ");
        let Some((n, crates)) = line.split_once(". ") else {
            continue;
        };
        let Ok(n) = n.trim().parse::<usize>() else {
            continue;
        };
        for name in crates.split(',') {
            let name = name.trim().trim_matches('`');
            if let Some(name) = name.split_whitespace().next() {
                layers.insert(name.to_owned(), n);
            }
        }
    }
    layers
}

/// Each workspace crate with the workspace crates it depends on (any kind of dependency).
fn workspace_graph() -> BTreeMap<String, Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let names: Vec<String> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|d| d["name"].as_str().expect("dep name").to_owned())
                .filter(|d| names.contains(d))
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

#[test]
fn every_crate_depends_only_on_crates_below_it() {
    let layers = layers_from_architecture();
    let graph = workspace_graph();
    for name in graph.keys() {
        assert!(
            layers.contains_key(name),
            "ARCHITECTURE.md does not place {name} in a layer"
        );
    }
    let mut wrong = Vec::new();
    for (name, deps) in &graph {
        for dep in deps {
            if layers[dep] >= layers[name] {
                wrong.push(format!(
                    "{name} (layer {}) depends on {dep} (layer {})",
                    layers[name], layers[dep]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the crate graph breaks ARCHITECTURE.md: {wrong:?}"
    );
}

#[test]
fn the_kernel_names_no_area_and_no_area_the_binary() {
    let graph = workspace_graph();
    let areas = ["lianxin-registries", "lianxin-cases", "lianxin-screening"];
    let kernel = &graph["lianxin-kernel"];
    for area in areas {
        assert!(
            !kernel.contains(&area.to_owned()),
            "the kernel depends on {area}"
        );
        assert!(
            !graph[area].contains(&"lianxin".to_owned()),
            "{area} depends on the binary crate"
        );
        assert!(
            graph[area].contains(&"lianxin-kernel".to_owned()),
            "{area} is built on the kernel"
        );
    }
    // The rule itself can fail: a graph with the kernel above an area is refused.
    let mut layers = layers_from_architecture();
    layers.insert("lianxin-kernel".to_owned(), 9);
    assert!(
        graph["lianxin-registries"]
            .iter()
            .any(|d| layers[d] >= layers["lianxin-registries"]),
        "a kernel placed above the registries would be caught"
    );
}
