/**
 * Where things sit inside an IVS recording (relative to its S3 prefix), for the code that writes them
 * (the local IVS), the functions that read them and the web app. Pure, no imports: the web app
 * bundles it.
 */

/**
 * IVS's LATEST thumbnail, overwritten at each thumbnail interval while the recording runs (what a
 * live tile shows): thumbnail storage LATEST "saves the latest thumbnail in
 * media/latest_thumbnail/thumb.jpg" (IVS API reference, ThumbnailConfiguration; the CDK alpha
 * module's docs say media/thumbnails/latest/thumb.jpg, which is not where IVS writes). The recording
 * configuration asks for it (lib/constructs/video.ts) and the local IVS writes it there too.
 */
export const LATEST_THUMBNAIL_PATH = 'media/latest_thumbnail/thumb.jpg';
