//! `diffusion inspect`: what a checkpoint or model folder is — architecture, exact parameter
//! count, training step, schedule, whether an EMA copy is present, and its files' sizes — after
//! checking its weights file against its config (dtypes, names, shapes, file length; with
//! `--verify`, every value finite).

use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use burn::backend::Flex;
use clap::Args;
use diffusion_model::layers::ParamInit;
use diffusion_model::weights::{
    current_attention_name, named_shapes, shape_problems, CONFIG_FILE, WEIGHTS_FILE,
};
use diffusion_model::{Network, NetworkVisitor};
use serde::Serialize;

use crate::model_source::{resolve, ModelSource};

/// Options of `diffusion inspect`.
#[derive(Args, Debug)]
#[command(after_help = "examples:
  diffusion inspect runs/mnist
  diffusion inspect runs/mnist/checkpoints/checkpoint-002000 --json
  diffusion inspect google/ddpm-cifar10-32")]
pub struct InspectArgs {
    /// A checkpoint, a training run, a diffusers model folder or a hub id.
    pub model: String,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Also read every tensor and check that all values are finite (as loading for sampling
    /// does).
    #[arg(long)]
    pub verify: bool,
}

/// What `inspect` reports.
#[derive(Debug, Serialize)]
struct Report {
    network_dir: PathBuf,
    architecture: serde_json::Value,
    parameters: u64,
    tensors: usize,
    training_step: Option<u64>,
    images_seen: Option<u64>,
    process: String,
    prediction: String,
    scheduler: Option<serde_json::Value>,
    ema_present: Option<bool>,
    files: Vec<(String, u64)>,
    notes: Vec<String>,
}

/// One tensor as a safetensors header describes it.
struct HeaderEntry {
    dtype: String,
    shape: Vec<usize>,
    /// Where its bytes end in the data section.
    end: u64,
}

/// The dtypes a model can be loaded from.
const LOADABLE_DTYPES: [&str; 4] = ["F32", "F16", "BF16", "F64"];

/// The tensors of a safetensors file as its header lists them (the 8-byte little-endian header
/// length, then JSON `{name: {dtype, shape, data_offsets}}`), checked against the file's length,
/// without reading the data.
fn read_header(path: &Path) -> Result<BTreeMap<String, HeaderEntry>, String> {
    use std::io::Read;
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut len = [0u8; 8];
    file.read_exact(&mut len)
        .map_err(|e| format!("{} is not a safetensors file ({e})", path.display()))?;
    let len = u64::from_le_bytes(len);
    if len > 100 << 20 || 8 + len > file_len {
        return Err(format!(
            "{}: header of {len} bytes is not plausible in a file of {file_len} bytes (corrupt \
             or truncated file?)",
            path.display()
        ));
    }
    let mut header = vec![0u8; len as usize];
    file.read_exact(&mut header)
        .map_err(|e| format!("{}: truncated header ({e})", path.display()))?;
    let parsed: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(&header)
        .map_err(|e| format!("{}: unreadable header ({e})", path.display()))?;
    let mut entries = BTreeMap::new();
    for (name, entry) in parsed.iter().filter(|(k, _)| *k != "__metadata__") {
        let bad = |what: &str| format!("{}: tensor `{name}` has {what}", path.display());
        let shape = entry["shape"]
            .as_array()
            .ok_or_else(|| bad("no shape"))?
            .iter()
            .map(|d| d.as_u64().map(|d| d as usize))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(|| bad("a malformed shape"))?;
        let end = entry["data_offsets"][1]
            .as_u64()
            .ok_or_else(|| bad("no data offsets"))?;
        let dtype = entry["dtype"].as_str().unwrap_or("?").to_string();
        entries.insert(name.clone(), HeaderEntry { dtype, shape, end });
    }
    let data_len = file_len - 8 - len;
    if let Some((name, e)) = entries.iter().max_by_key(|(_, e)| e.end) {
        if e.end > data_len {
            return Err(format!(
                "{}: truncated: tensor `{name}` ends at byte {} of a data section of {data_len} \
                 bytes; download or save the model again",
                path.display(),
                e.end
            ));
        }
    }
    Ok(entries)
}

/// Tensor count and element count from a safetensors header, without reading the data.
fn count_parameters(path: &Path) -> Result<(usize, u64), String> {
    let entries = read_header(path)?;
    let total = entries
        .values()
        .map(|e| e.shape.iter().product::<usize>() as u64)
        .sum();
    Ok((entries.len(), total))
}

/// The parameter shapes the config's network has, from a network built with placeholder
/// weights (nothing read from the file).
struct ExpectedShapes;

impl NetworkVisitor<Flex> for ExpectedShapes {
    type Output = Result<BTreeMap<String, Vec<usize>>, String>;

    fn visit<const D: usize, N: Network<Flex, D>>(self, config: &N::Config) -> Self::Output {
        let network = N::initialised(config, &mut ParamInit::placeholder(), &Default::default())
            .map_err(|e| e.to_string())?;
        Ok(named_shapes(&network))
    }
}

/// Loads every tensor (checking each is finite) as sampling would.
struct LoadsFully<'a>(&'a Path);

impl NetworkVisitor<Flex> for LoadsFully<'_> {
    type Output = Result<(), String>;

    fn visit<const D: usize, N: Network<Flex, D>>(self, config: &N::Config) -> Self::Output {
        N::load(config, self.0, &Default::default())
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// The first way the weights file disagrees with the config: a dtype that cannot be loaded, a
/// missing, unexpected or mis-shaped tensor.
fn check_against_config(source: &ModelSource) -> Result<(), String> {
    let path = source.network_dir.join(WEIGHTS_FILE);
    let found = read_header(&path)?;
    let problem = |what: String| Err(format!("{}: {what}", path.display()));
    if let Some((name, e)) = found
        .iter()
        .find(|(_, e)| !LOADABLE_DTYPES.contains(&e.dtype.as_str()))
    {
        return problem(format!(
            "tensor `{name}` has dtype {}; weights must be one of {}",
            e.dtype,
            LOADABLE_DTYPES.join(", ")
        ));
    }
    let found: BTreeMap<String, Vec<usize>> = found
        .into_iter()
        .map(|(name, e)| (current_attention_name(name), e.shape))
        .collect();
    let expected = source.network.visit::<Flex, _>(ExpectedShapes)?;
    match shape_problems(&expected, &found).first() {
        Some(first) => problem(format!("{first} (checked against config.json)")),
        None => Ok(()),
    }
}

fn files_under(dir: &Path, root: &Path, out: &mut Vec<(String, u64)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, root, out);
        } else if let Ok(meta) = entry.metadata() {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            out.push((name, meta.len()));
        }
    }
}

fn report(source: &ModelSource) -> Result<Report, String> {
    let config_text =
        std::fs::read_to_string(source.network_dir.join(CONFIG_FILE)).map_err(|e| {
            format!(
                "cannot read {}: {e}",
                source.network_dir.join(CONFIG_FILE).display()
            )
        })?;
    let mut architecture: serde_json::Value =
        serde_json::from_str(&config_text).map_err(|e| format!("config.json: {e}"))?;
    if let Some(map) = architecture.as_object_mut() {
        map.retain(|k, _| !k.starts_with("_diffusers"));
        map.insert("network".into(), source.network.class_name().into());
    }
    let (tensors, parameters) = count_parameters(&source.network_dir.join(WEIGHTS_FILE))?;
    let root = match &source.training {
        Some(_) => source
            .network_dir
            .parent()
            .unwrap_or(&source.network_dir)
            .to_path_buf(),
        None => source.network_dir.clone(),
    };
    let mut files = Vec::new();
    files_under(&root, &root, &mut files);
    let ema_present = source.training.as_ref().map(|_| {
        let folder = source
            .network_dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        folder.ends_with("_ema")
    });
    Ok(Report {
        network_dir: source.network_dir.clone(),
        architecture,
        parameters,
        tensors,
        training_step: source.training.as_ref().map(|s| s.step),
        images_seen: source.training.as_ref().map(|s| s.images_seen),
        process: source.trained.process.name(),
        prediction: format!("{:?}", source.trained.prediction),
        scheduler: source
            .scheduler
            .as_ref()
            .and_then(|s| serde_json::to_value(s).ok()),
        ema_present,
        files,
        notes: source.notes.clone(),
    })
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// Runs `diffusion inspect`.
pub fn run(args: &InspectArgs) -> Result<(), String> {
    let source = resolve(&args.model)?;
    check_against_config(&source)?;
    if args.verify {
        source
            .network
            .visit::<Flex, _>(LoadsFully(&source.network_dir))?;
    }
    let r = report(&source)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    println!("model:        {}", r.network_dir.display());
    let a = &r.architecture;
    println!("network:      {}", a["network"].as_str().unwrap_or("?"));
    for key in [
        "sample_size",
        "in_channels",
        "out_channels",
        "block_out_channels",
        "layers_per_block",
        "down_block_types",
        "up_block_types",
        "num_class_embeds",
        "data_dim",
        "hidden_dim",
        "blocks",
        "num_classes",
    ] {
        if let Some(v) = a.get(key).filter(|v| !v.is_null()) {
            println!("  {key:<20} {v}");
        }
    }
    println!("parameters:   {} in {} tensors", r.parameters, r.tensors);
    if args.verify {
        println!("weights:      every tensor read, every value finite (--verify)");
    }
    if let Some(step) = r.training_step {
        println!(
            "trained:      {step} steps, {} images",
            r.images_seen.unwrap_or(0)
        );
    }
    println!("process:      {}", r.process);
    println!("prediction:   {}", r.prediction);
    if let Some(s) = &r.scheduler {
        println!(
            "scheduler:    {} {} β {}..{} over {} steps",
            s["_class_name"].as_str().unwrap_or("(unnamed)"),
            s["beta_schedule"].as_str().unwrap_or("?"),
            s["beta_start"],
            s["beta_end"],
            s["num_train_timesteps"]
        );
    }
    if let Some(ema) = r.ema_present {
        println!(
            "EMA weights:  {}",
            if ema {
                "present (used for sampling)"
            } else {
                "absent"
            }
        );
    }
    println!("files:");
    for (name, size) in &r.files {
        println!("  {name:<50} {:>10}", human_size(*size));
    }
    for note in &r.notes {
        println!("note: {note}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_counted_from_the_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.safetensors");
        let mut tensors = std::collections::BTreeMap::new();
        for (name, shape) in [("a", vec![3, 4]), ("b", vec![5])] {
            let values = vec![0.0; shape.iter().product()];
            tensors.insert(
                name.to_string(),
                diffusion_model::weights::NamedTensor { shape, values },
            );
        }
        diffusion_model::weights::write_safetensors(&path, &tensors).unwrap();
        assert_eq!(count_parameters(&path).unwrap(), (2, 17));
        std::fs::write(&path, b"junk").unwrap();
        assert!(count_parameters(&path)
            .unwrap_err()
            .contains("not a safetensors"));
    }
}
