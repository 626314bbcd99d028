//! `diffusion schedule`: a forward process's coefficients — s(t), σ(t), log-SNR, f(t), g(t), and
//! ᾱ for diffusers' discrete tables — as a table, CSV, JSON or a plot.

use diffusion_data::memory::check_fits;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use diffusion_data::images::{draw_line, save_png};
use diffusion_math::discrete::{BetaSchedule, DiscreteSchedule, DiscreteVp};
use diffusion_math::{ForwardProcess, ProcessName, SharedProcess};
use image::{Rgb, RgbImage};
use serde::Serialize;

use crate::image_files::check_writable;

/// Options of `diffusion schedule`.
#[derive(Args, Debug)]
#[command(after_help = "examples:
  diffusion schedule --family vp
  diffusion schedule --beta-schedule squaredcos_cap_v2 --points 21 --csv
  diffusion schedule --family edm --json
  diffusion schedule --beta-schedule linear --plot linear.png")]
pub struct ScheduleArgs {
    /// A forward process by name: ddpm, vp, vp-cosine, subvp, ve, edm or flow (default vp).
    #[arg(long, conflicts_with = "beta_schedule")]
    pub family: Option<String>,
    /// A diffusers β schedule: linear, scaled_linear or squaredcos_cap_v2.
    #[arg(long)]
    pub beta_schedule: Option<String>,
    /// Steps of the discrete table.
    #[arg(long, default_value_t = 1000)]
    pub num_train_timesteps: usize,
    /// First β (default: 1e-4 for linear, 0.00085 for scaled_linear).
    #[arg(long)]
    pub beta_start: Option<f64>,
    /// Last β (default: 0.02 for linear, 0.012 for scaled_linear).
    #[arg(long)]
    pub beta_end: Option<f64>,
    /// Rows of the table (evenly spaced times, ends included).
    #[arg(long, default_value_t = 11)]
    pub points: usize,
    /// Comma-separated values instead of a table.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also draw the schedule into this PNG: s(t) blue, σ(t) red (top, scaled to its maximum),
    /// log-SNR green (bottom).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Overwrite an existing plot.
    #[arg(long)]
    pub force: bool,
}

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
struct Row {
    t: f64,
    signal_scale: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    alpha_cumprod: Option<f64>,
    sigma: f64,
    log_snr: f64,
    f: f64,
    g: f64,
}

fn process(args: &ScheduleArgs) -> Result<SharedProcess, String> {
    if let Some(name) = &args.beta_schedule {
        let (start, end) = match name.as_str() {
            "scaled_linear" => (0.00085, 0.012),
            _ => (1e-4, 0.02),
        };
        let (start, end) = (
            args.beta_start.unwrap_or(start),
            args.beta_end.unwrap_or(end),
        );
        if !(start > 0.0 && start <= end && end < 1.0) {
            return Err(format!(
                "--beta-start {start} and --beta-end {end}: need 0 < beta_start ≤ beta_end < 1 \
                 (as `diffusion sample` does)"
            ));
        }
        let schedule = BetaSchedule::from_diffusers(name, start, end)
            .map_err(|e| format!("--beta-schedule: {e}"))?;
        let table =
            DiscreteSchedule::new(schedule, args.num_train_timesteps).map_err(|e| e.to_string())?;
        return Ok(Arc::new(
            DiscreteVp::new(table.alphas_cumprod().to_vec()).map_err(|e| e.to_string())?,
        ));
    }
    let name = args.family.as_deref().unwrap_or("vp");
    let family: ProcessName = name.parse().map_err(|_| {
        format!(
            "unknown family `{name}`; choose one of {} (or --beta-schedule linear|scaled_linear|squaredcos_cap_v2)",
            ProcessName::accepted()
        )
    })?;
    family.process().map_err(|e| e.to_string())
}

fn rows(process: &dyn ForwardProcess, points: usize) -> Result<Vec<Row>, String> {
    if points < 2 {
        return Err("--points must be at least 2".into());
    }
    let row_bytes = std::mem::size_of::<Row>() as u128 * 4;
    check_fits(&format!("--points {points}"), row_bytes * points as u128)
        .map_err(|e| e.to_string())?;
    let discrete = process.num_train_timesteps().is_some();
    (0..points)
        .map(|i| {
            let t = process.t_min()
                + (process.t_max() - process.t_min()) * i as f64 / (points - 1) as f64;
            let p = process.at(t).map_err(|e| e.to_string())?;
            Ok(Row {
                t,
                signal_scale: p.signal_scale,
                alpha_cumprod: discrete.then_some(p.signal_scale * p.signal_scale),
                sigma: p.noise_std,
                log_snr: p.log_snr(),
                f: p.drift_coef,
                g: p.diffusion_sq.sqrt(),
            })
        })
        .collect()
}

/// One plotted curve: its panel's top edge, the value in [0, 1] drawn per row, its colour.
type Curve = (f64, Box<dyn Fn(&Row) -> f64>, Rgb<u8>);

/// Draws s and σ/max σ in the top half, log-SNR in the bottom half, over t.
fn plot(path: &std::path::Path, rows: &[Row]) -> Result<(), String> {
    let (width, height, margin) = (640u32, 480u32, 20.0);
    let mut img = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    let half = (height as f64 - 3.0 * margin) / 2.0;
    let plot_width = width as f64 - 2.0 * margin;
    let sigma_max = rows
        .iter()
        .map(|r| r.sigma)
        .fold(f64::MIN, f64::max)
        .max(1e-12);
    let finite: Vec<f64> = rows
        .iter()
        .map(|r| r.log_snr)
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = finite
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-12);
    let n = rows.len() as f64 - 1.0;
    let x_of = |i: usize| margin + plot_width * i as f64 / n;
    let panels: [Curve; 3] = [
        (
            margin,
            Box::new(|r: &Row| r.signal_scale),
            Rgb([30, 90, 200]),
        ),
        (
            margin,
            Box::new(move |r: &Row| r.sigma / sigma_max),
            Rgb([200, 40, 40]),
        ),
        (
            2.0 * margin + half,
            Box::new(move |r: &Row| (r.log_snr.clamp(lo, hi) - lo) / span),
            Rgb([30, 150, 60]),
        ),
    ];
    for top in [margin, 2.0 * margin + half] {
        for x in margin as u32..(width - margin as u32) {
            img.put_pixel(x, (top + half) as u32, Rgb([160, 160, 160]));
        }
    }
    for (top, value, color) in &panels {
        let y_of = |v: f64| top + half * (1.0 - v.clamp(0.0, 1.0));
        for i in 1..rows.len() {
            let (a, b) = (
                (x_of(i - 1), y_of(value(&rows[i - 1]))),
                (x_of(i), y_of(value(&rows[i]))),
            );
            draw_line(&mut img, a, b, *color);
        }
    }
    save_png(&img, path)
        .map_err(|e| e.to_string())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs `diffusion schedule`.
pub fn run(args: &ScheduleArgs) -> Result<(), String> {
    if let Some(path) = &args.plot {
        check_writable(path, args.force)?;
    }
    let process = process(args)?;
    let table = rows(process.as_ref(), args.points)?;
    if args.json {
        let out = serde_json::json!({ "process": process.name(), "rows": table });
        println!("{out:#}");
    } else if args.csv {
        println!("t,s,alpha_cumprod,sigma,log_snr,f,g");
        for r in &table {
            let abar = r.alpha_cumprod.map(|a| a.to_string()).unwrap_or_default();
            println!(
                "{},{},{abar},{},{},{},{}",
                r.t, r.signal_scale, r.sigma, r.log_snr, r.f, r.g
            );
        }
    } else {
        println!("{}", process.name());
        println!(
            "{:>10} {:>12} {:>12} {:>12} {:>10} {:>12} {:>12}",
            "t", "s(t)", "alpha_bar", "sigma(t)", "log-SNR", "f(t)", "g(t)"
        );
        for r in &table {
            let abar = r
                .alpha_cumprod
                .map(|a| format!("{a:>12.6}"))
                .unwrap_or(format!("{:>12}", "-"));
            println!(
                "{:>10.4} {:>12.6} {abar} {:>12.6} {:>10.4} {:>12.4} {:>12.4}",
                r.t, r.signal_scale, r.sigma, r.log_snr, r.f, r.g
            );
        }
    }
    if let Some(path) = &args.plot {
        let dense = rows(process.as_ref(), 400)?;
        plot(path, &dense)?;
        if !args.json {
            println!(
                "plot: {} (blue s(t), red σ(t)/max σ, green log-SNR)",
                path.display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ddpm_table_ends_where_diffusers_puts_it() {
        let p = DiscreteVp::new(
            DiscreteSchedule::new(BetaSchedule::DDPM, 1000)
                .unwrap()
                .alphas_cumprod()
                .to_vec(),
        )
        .unwrap();
        let table = rows(&p, 3).unwrap();
        // ᾱ_0 = 1 − 1e-4 and ᾱ_999 ≈ 4.04e-5 for linear β 1e-4..0.02 (Ho et al. 2020).
        assert!((table[0].alpha_cumprod.unwrap() - 0.9999).abs() < 1e-12);
        assert!((table[2].alpha_cumprod.unwrap() - 4.036e-5).abs() < 1e-7);
    }

    #[test]
    fn vp_coefficients_satisfy_the_variance_ode() {
        // For VP SDEs s² + σ² = 1, f = −β/2 and g² = β, so g² = −2f everywhere.
        for r in rows(&diffusion_math::VpLinear::song_default(), 7).unwrap() {
            assert!((r.signal_scale.powi(2) + r.sigma.powi(2) - 1.0).abs() < 1e-9);
            assert!((r.g * r.g + 2.0 * r.f).abs() < 1e-9);
        }
    }
}
