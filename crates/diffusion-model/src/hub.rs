//! Hugging Face hub downloads into the standard hub cache.
//!
//! The cache is `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub` — the
//! layout Python's `huggingface_hub` uses, so models downloaded by either are shared.
//! `HF_HUB_OFFLINE=1` reads the cache only; `HF_TOKEN` authenticates; `HF_ENDPOINT` changes the
//! server.

use std::path::{Path, PathBuf};

use hf_hub::api::sync::{ApiBuilder, ApiError};
use hf_hub::{Cache, Repo, RepoType};

use crate::error::{ModelError, ModelResult};
use crate::weights::{CONFIG_FILE, WEIGHTS_FILE};

/// Optional files fetched beside a model when the repository has them (the CLI reads the
/// scheduler's config for its defaults).
const OPTIONAL_FILES: [&str; 1] = ["scheduler_config.json"];

/// Where a hub repository is, and how to reach it.
#[derive(Debug, Clone)]
pub struct HubRequest {
    /// `owner/name`, e.g. `google/ddpm-cifar10-32`.
    pub repo_id: String,
    /// Branch, tag or commit; `main` by default.
    pub revision: String,
    /// Read the cache only (from `HF_HUB_OFFLINE`).
    pub offline: bool,
    /// The cache root (the `hub` folder).
    pub cache_dir: PathBuf,
}

impl HubRequest {
    /// A request for `repo_id` at `main`, configured from the environment like
    /// `huggingface_hub`: `HF_HUB_CACHE`, `HF_HOME`, `HF_HUB_OFFLINE`.
    pub fn from_env(repo_id: &str) -> Self {
        let offline = std::env::var("HF_HUB_OFFLINE")
            .map(|v| {
                matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "1" | "true" | "yes" | "on"
                )
            })
            .unwrap_or(false);
        let cache_dir = match std::env::var_os("HF_HUB_CACHE") {
            Some(dir) => PathBuf::from(dir),
            None => Cache::from_env().path().clone(),
        };
        Self {
            repo_id: repo_id.to_string(),
            revision: "main".into(),
            offline,
            cache_dir,
        }
    }

    fn repo(&self) -> Repo {
        Repo::with_revision(self.repo_id.clone(), RepoType::Model, self.revision.clone())
    }
}

/// Makes a diffusers `UNet2DModel` of a hub repository available locally and returns the
/// directory holding its config.json and diffusion_pytorch_model.safetensors (the repository
/// root, or its `unet/` folder for pipeline repositories).
pub fn fetch_unet(request: &HubRequest) -> ModelResult<PathBuf> {
    let mut last_error = None;
    for folder in ["", "unet/"] {
        match fetch_in(request, folder) {
            Ok(dir) => return Ok(dir),
            Err(FetchError::Absent(e)) => last_error = Some(e),
            Err(FetchError::Fatal(e)) => return Err(e),
        }
    }
    Err(last_error.expect("at least one folder was tried"))
}

enum FetchError {
    /// The file is not there (try another folder).
    Absent(ModelError),
    /// Anything else: stop.
    Fatal(ModelError),
}

fn fetch_in(request: &HubRequest, folder: &str) -> Result<PathBuf, FetchError> {
    let config = get_file(request, &format!("{folder}{CONFIG_FILE}"))?;
    get_file(request, &format!("{folder}{WEIGHTS_FILE}")).map_err(|e| match e {
        FetchError::Absent(_) => FetchError::Fatal(ModelError::Hub {
            message: format!(
                "{} has {folder}{CONFIG_FILE} but no {folder}{WEIGHTS_FILE}; only safetensors weights can be read (convert a .bin with diffusers: from_pretrained, then save_pretrained(dir, safe_serialization=True))",
                request.repo_id
            ),
        }),
        fatal => fatal,
    })?;
    for optional in OPTIONAL_FILES {
        // Absent optional files are fine; their absence is reported where they are used.
        let _ = get_file(request, &format!("{folder}{optional}"));
    }
    Ok(config.parent().map(Path::to_path_buf).unwrap_or_default())
}

fn get_file(request: &HubRequest, file: &str) -> Result<PathBuf, FetchError> {
    let cache = Cache::new(request.cache_dir.clone());
    if let Some(path) = cache.repo(request.repo()).get(file) {
        return Ok(path);
    }
    if request.offline {
        return Err(FetchError::Absent(ModelError::Hub {
            message: format!(
                "HF_HUB_OFFLINE is set and {}/{file} is not in the cache at {}; unset HF_HUB_OFFLINE to download it, or run `diffusion pull {}` on a machine with network access and copy the cache",
                request.repo_id,
                request.cache_dir.display(),
                request.repo_id
            ),
        }));
    }
    let api = ApiBuilder::from_cache(cache)
        .with_token(std::env::var("HF_TOKEN").ok().filter(|t| !t.is_empty()))
        .with_progress(false)
        .build()
        .map_err(|e| FetchError::Fatal(hub_error(request, file, e)))?;
    api.repo(request.repo()).get(file).map_err(|e| {
        let error = hub_error(request, file, e);
        match &error {
            ModelError::Hub { message } if message.contains("not found") => {
                FetchError::Absent(error)
            }
            _ => FetchError::Fatal(error),
        }
    })
}

/// Turns a hub client error into one that says whether we are offline, the file or repository
/// does not exist, or access was refused — and what to do.
fn hub_error(request: &HubRequest, file: &str, error: ApiError) -> ModelError {
    let id = &request.repo_id;
    let message = match &error {
        ApiError::RequestError(inner) => match inner.as_ref() {
            ureq::Error::Status(404, _) => {
                format!("{id}/{file}: not found on the hub (check the repository id and that the file exists)")
            }
            ureq::Error::Status(401 | 403, _) => format!(
                "{id}/{file}: access refused (unauthorised): the repository may be private or gated; set HF_TOKEN to a token with access"
            ),
            ureq::Error::Status(code, _) => format!("{id}/{file}: the hub answered HTTP {code}"),
            ureq::Error::Transport(transport) => format!(
                "{id}/{file}: cannot reach the hub ({transport}); you may be offline: set HF_HUB_OFFLINE=1 to use the cache at {}",
                request.cache_dir.display()
            ),
        },
        other => format!("{id}/{file}: {other}"),
    };
    ModelError::Hub { message }
}
