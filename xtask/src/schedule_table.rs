//! Prints a forward process's coefficients as a table.

use diffusion_math::{Edm, ForwardProcess, RectifiedFlow, SubVp, Ve, VpCosine, VpLinear};

/// Prints `t, s(t), σ(t), log-SNR, f(t), g(t)` at 11 evenly spaced times of the named family.
pub fn print(family: &str) -> Result<(), String> {
    let process: Box<dyn ForwardProcess> = match family {
        "vp" => Box::new(VpLinear::song_default()),
        "vp-cosine" => Box::new(VpCosine::nichol_default()),
        "subvp" => Box::new(SubVp::song_default()),
        "ve" => Box::new(Ve::song_default()),
        "edm" => Box::new(Edm::karras_default()),
        "flow" => Box::new(RectifiedFlow),
        other => {
            return Err(format!(
                "unknown family `{other}`; choose one of vp, vp-cosine, subvp, ve, edm, flow"
            ))
        }
    };
    println!("{}", process.name());
    println!(
        "{:>8} {:>12} {:>12} {:>12} {:>12} {:>12}",
        "t", "s(t)", "sigma(t)", "log-SNR", "f(t)", "g(t)"
    );
    for i in 0..=10 {
        let t = process.t_min() + (process.t_max() - process.t_min()) * i as f64 / 10.0;
        let p = process.at(t).map_err(|e| e.to_string())?;
        println!(
            "{:>8.4} {:>12.6} {:>12.6} {:>12.4} {:>12.4} {:>12.4}",
            t,
            p.signal_scale,
            p.noise_std,
            p.log_snr(),
            p.drift_coef,
            p.diffusion_sq.sqrt()
        );
    }
    Ok(())
}
