// hls.js ships the light build (no subtitles, alternate audio or DRM: none of which cameras have)
// without a types entry in its exports; it has the full build's API.
declare module 'hls.js/light' {
  export * from 'hls.js';
  export { default } from 'hls.js';
}
