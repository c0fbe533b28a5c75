// Headless Chromium with WebGPU, as the browser tests and benchmarks launch it (Debian's chromium;
// SwiftShader's WebGPU when there is no GPU). See DEVELOPERS.md for what each flag does.
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];
