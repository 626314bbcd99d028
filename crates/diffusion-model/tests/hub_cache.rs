//! Hub downloads through the standard cache layout, offline: a cached model is found without
//! network, a missing one gives an error saying what to do.

use std::fs;
use std::path::Path;

use diffusion_model::hub::{fetch_unet, HubRequest};

/// Lays out `models--owner--name/{refs/main, snapshots/<rev>/...}` as huggingface_hub does.
fn cache_model(cache: &Path, repo: &str, files: &[&str]) -> std::path::PathBuf {
    let folder = cache.join(format!("models--{}", repo.replace('/', "--")));
    let revision = "0123456789abcdef0123456789abcdef01234567";
    fs::create_dir_all(folder.join("refs")).expect("refs");
    fs::write(folder.join("refs/main"), revision).expect("ref");
    let snapshot = folder.join("snapshots").join(revision);
    for file in files {
        let path = snapshot.join(file);
        fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        fs::write(path, b"{}").expect("file");
    }
    snapshot
}

fn offline(repo: &str, cache: &Path) -> HubRequest {
    HubRequest {
        repo_id: repo.into(),
        revision: "main".into(),
        offline: true,
        cache_dir: cache.to_path_buf(),
    }
}

#[test]
fn cached_model_is_found_offline() {
    let cache = tempfile::tempdir().expect("temp dir");
    let snapshot = cache_model(
        cache.path(),
        "google/ddpm-cifar10-32",
        &["config.json", "diffusion_pytorch_model.safetensors"],
    );
    let dir = fetch_unet(&offline("google/ddpm-cifar10-32", cache.path())).expect("cached");
    assert_eq!(dir, snapshot);
}

#[test]
fn pipeline_repositories_use_their_unet_folder() {
    let cache = tempfile::tempdir().expect("temp dir");
    let snapshot = cache_model(
        cache.path(),
        "someone/pipeline",
        &[
            "model_index.json",
            "unet/config.json",
            "unet/diffusion_pytorch_model.safetensors",
        ],
    );
    let dir = fetch_unet(&offline("someone/pipeline", cache.path())).expect("cached");
    assert_eq!(dir, snapshot.join("unet"));
}

#[test]
fn offline_cache_miss_says_what_to_do() {
    let cache = tempfile::tempdir().expect("temp dir");
    let error =
        fetch_unet(&offline("google/ddpm-cifar10-32", cache.path())).expect_err("not cached");
    let message = error.to_string();
    assert!(message.contains("HF_HUB_OFFLINE"), "{message}");
    assert!(message.contains("google/ddpm-cifar10-32"), "{message}");
}

#[test]
fn weights_missing_beside_a_config_is_an_error_naming_the_file() {
    let cache = tempfile::tempdir().expect("temp dir");
    cache_model(
        cache.path(),
        "old/pickle-only",
        &["config.json", "diffusion_pytorch_model.bin"],
    );
    let error = fetch_unet(&offline("old/pickle-only", cache.path())).expect_err("no safetensors");
    assert!(
        error
            .to_string()
            .contains("diffusion_pytorch_model.safetensors"),
        "{error}"
    );
}
