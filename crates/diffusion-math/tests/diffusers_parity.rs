//! diffusion-math against golden values produced by diffusers itself
//! (fixtures/make_diffusers_goldens.py writes fixtures/diffusers_goldens.json).

use diffusion_math::discrete::{
    dpm_solver_timesteps, inference_timesteps, karras_sigmas, sigma_to_timestep,
    sigmas_from_alphas_cumprod, BetaSchedule, DiffusersTable, DiscreteSchedule, TimestepSpacing,
};
use serde_json::Value;

fn goldens() -> Value {
    let text = include_str!("fixtures/diffusers_goldens.json");
    serde_json::from_str(text).expect("fixture is valid JSON")
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn schedule_of(case: &Value) -> BetaSchedule {
    BetaSchedule::from_diffusers(
        case["beta_schedule"].as_str().unwrap(),
        case["beta_start"].as_f64().unwrap(),
        case["beta_end"].as_f64().unwrap(),
    )
    .unwrap()
}

/// Largest distance in units in the last place between two f32 slices.
fn max_ulps(ours: &[f32], theirs: &[f32]) -> u32 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .map(|(a, b)| (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32)
        .max()
        .unwrap_or(0)
}

#[test]
fn f32_tables_match_diffusers() {
    for case in goldens()["tables"].as_array().unwrap() {
        let n = case["num_train_timesteps"].as_u64().unwrap() as usize;
        let zero_snr = case["zero_snr"].as_bool().unwrap();
        let table = DiffusersTable::new(schedule_of(case), n, zero_snr).unwrap();
        let betas: Vec<f32> = f64s(&case["betas"]).iter().map(|&v| v as f32).collect();
        let cumprod: Vec<f32> = f64s(&case["alphas_cumprod"])
            .iter()
            .map(|&v| v as f32)
            .collect();
        let label = format!("{} N={n} zero_snr={zero_snr}", case["beta_schedule"]);
        if zero_snr {
            // torch's vectorised float32 sqrt is not correctly rounded (182 of 1000 entries
            // differ by an ulp from IEEE sqrt, checked with torch 2.15), and rescaling then
            // subtracts √ᾱ_T from every √ᾱ_i and forms β as 1 − ᾱ_i/ᾱ_{i−1}: cancellations
            // that magnify those ulps. Both tables are f32 approximations of the same f64 table;
            // compare them on an absolute scale.
            for (name, ours, theirs) in [
                ("β", &table.betas, &betas),
                ("ᾱ", &table.alphas_cumprod, &cumprod),
            ] {
                for (i, (a, b)) in ours.iter().zip(theirs.iter()).enumerate() {
                    assert!(
                        (a - b).abs() <= 1e-6 + 1e-4 * b.abs(),
                        "{name}[{i}] of {label}: {a} vs {b}"
                    );
                }
            }
        } else {
            let ua = max_ulps(&table.alphas_cumprod, &cumprod);
            assert_eq!(ua, 0, "alphas_cumprod of {label} differ by {ua} ulp");
            let ub = max_ulps(&table.betas, &betas);
            assert_eq!(ub, 0, "betas of {label} differ by {ub} ulp");
        }
    }
}

#[test]
fn f64_tables_agree_with_diffusers_to_float_precision() {
    for case in goldens()["tables"].as_array().unwrap() {
        let n = case["num_train_timesteps"].as_u64().unwrap() as usize;
        let mut table = DiscreteSchedule::new(schedule_of(case), n).unwrap();
        if case["zero_snr"].as_bool().unwrap() {
            table = table.rescaled_zero_terminal_snr().unwrap();
        }
        let cumprod = f64s(&case["alphas_cumprod"]);
        for (i, (ours, theirs)) in table.alphas_cumprod().iter().zip(&cumprod).enumerate() {
            // f32 tables carry ~1e-7 relative error per factor, accumulating over the product.
            let tol = 2e-6 * theirs.abs() + 1e-7;
            assert!(
                (ours - theirs).abs() <= tol,
                "{} ᾱ[{i}]: ours {ours}, diffusers {theirs}",
                case["beta_schedule"]
            );
        }
    }
}

#[test]
fn ddim_timesteps_match_diffusers() {
    let mut out_of_range_cases = 0;
    for case in goldens()["ddim_timesteps"].as_array().unwrap() {
        let spacing = TimestepSpacing::parse(case["spacing"].as_str().unwrap()).unwrap();
        let big_n = case["num_train_timesteps"].as_u64().unwrap() as usize;
        let ours = inference_timesteps(
            big_n,
            case["num_inference_steps"].as_u64().unwrap() as usize,
            spacing,
            case["steps_offset"].as_u64().unwrap() as usize,
        );
        let theirs: Vec<usize> = f64s(&case["timesteps"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        if theirs.iter().any(|&t| t >= big_n) {
            // diffusers returns a timestep past its table (it fails later, when indexing);
            // we refuse up front.
            assert!(ours.is_err(), "expected an error for {case}");
            out_of_range_cases += 1;
            continue;
        }
        assert_eq!(ours.unwrap(), theirs, "case {case}");
    }
    assert!(
        out_of_range_cases < 4,
        "most cases must be real comparisons"
    );
}

#[test]
fn dpm_solver_timesteps_match_diffusers() {
    for case in goldens()["dpm_solver_timesteps"].as_array().unwrap() {
        let spacing = TimestepSpacing::parse(case["spacing"].as_str().unwrap()).unwrap();
        let ours = dpm_solver_timesteps(
            case["num_train_timesteps"].as_u64().unwrap() as usize,
            case["num_inference_steps"].as_u64().unwrap() as usize,
            spacing,
            case["steps_offset"].as_u64().unwrap() as usize,
        )
        .unwrap();
        let theirs: Vec<usize> = f64s(&case["timesteps"])
            .iter()
            .map(|&v| v as usize)
            .collect();
        assert_eq!(
            ours, theirs,
            "case {} {:?}",
            case["spacing"], case["num_inference_steps"]
        );
    }
}

#[test]
fn karras_sigmas_and_their_timesteps_match_euler_discrete() {
    for case in goldens()["karras"].as_array().unwrap() {
        let n = case["num_inference_steps"].as_u64().unwrap() as usize;
        let table = DiffusersTable::new(schedule_of(case), 1000, false).unwrap();
        let sigmas = sigmas_from_alphas_cumprod(&table.alphas_cumprod);
        let (sigma_min, sigma_max) = (sigmas[0] as f64, sigmas[sigmas.len() - 1] as f64);
        let ours = karras_sigmas(sigma_min, sigma_max, n, 7.0).unwrap();
        let theirs = f64s(&case["sigmas"]);
        assert_eq!(theirs.len(), n + 1, "diffusers appends the final σ = 0");
        assert_eq!(theirs[n], 0.0);
        for (a, b) in ours.iter().zip(&theirs) {
            // The end points come from torch's float32 sqrt (not correctly rounded): allow 4 ulps.
            assert!((a - b).abs() <= 5e-7 * b, "σ ours {a} vs diffusers {b}");
        }
        let log_sigmas: Vec<f64> = sigmas.iter().map(|s| s.ln() as f64).collect();
        for (sigma, t) in ours.iter().zip(f64s(&case["timesteps"])) {
            let ours_t = sigma_to_timestep(*sigma, &log_sigmas).unwrap();
            assert!(
                (ours_t - t).abs() < 1e-3,
                "timestep for σ = {sigma}: ours {ours_t}, diffusers {t}"
            );
        }
    }
}
