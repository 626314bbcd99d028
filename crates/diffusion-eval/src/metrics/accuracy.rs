//! Class-conditional accuracy: the fraction of generated samples that the classifier assigns the
//! class they were asked for, `(1/N) Σᵢ 1[argmax_c p(c | xᵢ) = yᵢ]`: a pre-trained classifier's
//! agreement with the requested labels, as Odena et al. 2017 ("Conditional image synthesis with
//! auxiliary classifier GANs") measure class fidelity with an Inception network's accuracy on
//! generated samples. The real-data reference is the classifier's accuracy on held-out images.

use crate::error::{EvalError, EvalResult};

/// The fraction of `predicted[i] == requested[i]`.
pub fn conditional_accuracy(predicted: &[usize], requested: &[usize]) -> EvalResult<f64> {
    if predicted.len() != requested.len() || predicted.is_empty() {
        return Err(EvalError::invalid(format!(
            "conditional accuracy needs one requested label per sample: {} predictions, {} \
             labels",
            predicted.len(),
            requested.len()
        )));
    }
    let hits = predicted
        .iter()
        .zip(requested)
        .filter(|(p, r)| p == r)
        .count();
    Ok(hits as f64 / predicted.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agreements() {
        assert_eq!(
            conditional_accuracy(&[1, 2, 3, 4], &[1, 2, 0, 4]).unwrap(),
            0.75
        );
        assert!(conditional_accuracy(&[1], &[1, 2]).is_err());
        assert!(conditional_accuracy(&[], &[]).is_err());
    }
}
