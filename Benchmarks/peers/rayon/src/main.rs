//! The Rayon side of `Benchmarks/compare-rayon.sh`: the workloads of `parallelkit bench`
//! (cheap-map, costly-map, imbalanced) with `par_iter`, serial and parallel interleaved,
//! medians printed as JSON lines in the same shape as `parallelkit bench --json`.
use rayon::prelude::*;
use std::time::Instant;

fn sqrt_rounds(rounds: usize, seed: usize) -> f64 {
    let mut s = seed as f64;
    for i in 0..rounds {
        s = (s + i as f64).sqrt() + 1.0;
    }
    s
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn measure<T: PartialEq + Send>(
    name: &str,
    items: usize,
    repetitions: usize,
    serial: &dyn Fn() -> Vec<T>,
    parallel: &dyn Fn() -> Vec<T>,
) {
    let mut serial_times = Vec::new();
    let mut parallel_times = Vec::new();
    for _ in 0..repetitions {
        let start = Instant::now();
        let expected = serial();
        serial_times.push(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let actual = parallel();
        parallel_times.push(start.elapsed().as_secs_f64());
        assert!(expected == actual, "{name}: rayon result differs from serial");
    }
    let workers = rayon::current_num_threads();
    let s = median(serial_times);
    let p = median(parallel_times);
    println!(
        "{{\"workload\":\"{name}\",\"variant\":\"serial\",\"workers\":1,\"items\":{items},\"seconds\":{s},\"speedup\":1.0}}"
    );
    println!(
        "{{\"workload\":\"{name}\",\"variant\":\"rayon\",\"workers\":{workers},\"items\":{items},\"seconds\":{p},\"speedup\":{}}}",
        s / p
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let repetitions = args
        .iter()
        .position(|a| a == "--repetitions")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.parse::<usize>().expect("--repetitions takes a number"))
        .unwrap_or(5);

    let cheap: Vec<i64> = (0..if quick { 100_000 } else { 10_000_000 }).collect();
    measure(
        "cheap-map",
        cheap.len(),
        repetitions,
        &|| cheap.iter().map(|x| x.wrapping_mul(*x).wrapping_add(1)).collect(),
        &|| cheap.par_iter().map(|x| x.wrapping_mul(*x).wrapping_add(1)).collect(),
    );

    let costly: Vec<usize> = (0..if quick { 200 } else { 20_000 }).collect();
    measure(
        "costly-map",
        costly.len(),
        repetitions,
        &|| costly.iter().map(|&x| sqrt_rounds(2000, x)).collect(),
        &|| costly.par_iter().map(|&x| sqrt_rounds(2000, x)).collect(),
    );

    let imbalanced: Vec<usize> = (0..if quick { 500 } else { 5_000 }).collect();
    measure(
        "imbalanced",
        imbalanced.len(),
        repetitions,
        &|| imbalanced.iter().map(|&x| sqrt_rounds(3 * x, x)).collect(),
        &|| imbalanced.par_iter().map(|&x| sqrt_rounds(3 * x, x)).collect(),
    );
}
