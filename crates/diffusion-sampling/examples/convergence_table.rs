//! Prints the sampler × NFE table of sliced-W2 distances to exact Gaussian-mixture samples
//! (2-D and 16-D), the table in docs/samplers.md:
//! `cargo run --release -p diffusion-sampling --example convergence_table`.

#[path = "../tests/common/convergence.rs"]
mod convergence;

fn main() {
    let nfes = [10, 20, 50, 200];
    let n = 8000;
    for (label, mixture) in [
        ("2-D, 6 components", convergence::mixture_2d()),
        ("16-D, 4 components", convergence::mixture_16d()),
    ] {
        let (rows, floor) = convergence::table(&mixture, &nfes, n);
        println!("\n{label}, {n} samples, sliced W2 (128 directions); floor (exact vs exact) = {floor:.4}\n");
        println!("| sampler | NFE 10 | NFE 20 | NFE 50 | NFE 200 |");
        println!("| --- | --- | --- | --- | --- |");
        for (name, d) in rows {
            let cells: Vec<String> = d.iter().map(|v| format!("{v:.4}")).collect();
            println!("| {name} | {} |", cells.join(" | "));
        }
        let ddim = &convergence::cases()[0];
        let from_gaussian =
            convergence::sample_from(ddim, &mixture, 200, n, 5, convergence::Start::GaussianPrior)
                .0;
        println!(
            "\n{} at NFE 200 started from N(0, I) instead of exact p_T: {:.4}",
            ddim.name,
            convergence::distance_to_exact(&from_gaussian, &mixture)
        );
    }
}
