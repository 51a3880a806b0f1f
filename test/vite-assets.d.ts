/**
 * Frontend modules that unit tests import may import an asset's URL as Vite does (`x.wasm?url`); the
 * frontend's own check has Vite's types for it, the root project declares just that form.
 */
declare module '*?url' {
  const url: string;
  export default url;
}
