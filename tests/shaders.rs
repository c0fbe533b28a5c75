//! Every WGSL file is parsed and validated by naga without a GPU, and every matmul variant the
//! engine can request is specialised and compiled to SPIR-V, so a broken shader fails plain CI.

use naga::valid::{Capabilities, ValidationFlags, Validator};

fn validate(name: &str, source: &str) -> (naga::Module, naga::valid::ModuleInfo) {
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{name}.wgsl does not parse:\n{}", e.emit_to_string(source)));
    let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| panic!("{name}.wgsl does not validate:\n{}", e.emit_to_string(source)));
    (module, info)
}

#[test]
fn every_shader_parses_and_validates() {
    for (name, source) in vaelab::kernels::SHADERS {
        validate(name, source);
    }
}

#[test]
fn every_wgsl_file_is_a_kernel_or_a_shared_part() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let shared = ["rng", "step", "batch", "matmul_common", "feistel", "vrnn_step"];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(path.extension().unwrap(), "wgsl", "{} is not a .wgsl file", path.display());
        let is_kernel = vaelab::kernels::SHADERS.iter().any(|(n, _)| *n == stem);
        assert!(is_kernel || shared.contains(&stem.as_str()), "{stem}.wgsl is not registered in kernels::SHADERS");
        if is_kernel {
            let launcher = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("src/kernels/{stem}.rs"));
            assert!(launcher.exists(), "{stem}.wgsl has no launcher src/kernels/{stem}.rs");
        }
    }
}

#[test]
fn every_shader_specialises_with_each_flag_set() {
    for (name, source) in vaelab::kernels::SHADERS {
        let (module, info) = validate(name, source);
        let flags: Vec<String> = module
            .overrides
            .iter()
            .filter(|(_, o)| matches!(module.types[o.ty].inner, naga::TypeInner::Scalar(naga::Scalar::BOOL)))
            .filter_map(|(_, o)| o.name.clone())
            .collect();
        for flag in std::iter::once(None).chain(flags.iter().map(Some)) {
            let mut constants = naga::back::PipelineConstants::default();
            if let Some(flag) = flag {
                constants.insert(flag.clone(), 1.0);
            }
            let (specialised, spec_info) = naga::back::pipeline_constants::process_overrides(
                &module,
                &info,
                Some((naga::ShaderStage::Compute, "main")),
                &constants,
            )
            .unwrap_or_else(|e| panic!("{name} with {flag:?}: {e}"));
            naga::back::spv::write_vec(&specialised, &spec_info, &Default::default(), None)
                .unwrap_or_else(|e| panic!("{name} with {flag:?}: SPIR-V: {e}"));
        }
    }
}

#[test]
fn matmul_variants_specialise_and_compile() {
    for kernel in ["matmul", "matmul_vec4", "matmul_wide", "matmul_tiled"] {
        let source = vaelab::kernels::shader_source(kernel);
        let (module, info) = validate(kernel, source);
        for trans_a in [0.0, 1.0] {
            for trans_b in [0.0, 1.0] {
                for (bias, act, act_grad, ones) in [
                    (0.0, 0.0, 0.0, 0.0),
                    (1.0, 1.0, 0.0, 0.0),
                    (1.0, 2.0, 0.0, 0.0),
                    (0.0, 0.0, 1.0, 0.0),
                    (0.0, 0.0, 2.0, 0.0),
                    (0.0, 0.0, 0.0, 1.0),
                ] {
                    let mut constants = naga::back::PipelineConstants::default();
                    for (key, value) in [
                        ("TRANS_A", trans_a),
                        ("TRANS_B", trans_b),
                        ("HAS_BIAS", bias),
                        ("ACT", act),
                        ("ACT_GRAD", act_grad),
                        ("ONES_COL", ones),
                    ] {
                        constants.insert(key.to_string(), value);
                    }
                    let (specialised, spec_info) = naga::back::pipeline_constants::process_overrides(
                        &module,
                        &info,
                        Some((naga::ShaderStage::Compute, "main")),
                        &constants,
                    )
                    .unwrap_or_else(|e| panic!("{kernel}: overrides {constants:?}: {e}"));
                    naga::back::spv::write_vec(&specialised, &spec_info, &Default::default(), None)
                        .unwrap_or_else(|e| panic!("{kernel}: SPIR-V for {constants:?}: {e}"));
                }
            }
        }
    }
}
