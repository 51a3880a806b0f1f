/**
 * `npm start -- --demo`: a demo streamer (handle `demo`) signed up through local Cognito like any
 * user, its channel provisioned through GraphQL, a small product catalog, and an ffmpeg test
 * pattern pushed into its channel, so a newcomer sees a live stream with products at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { gql, provisionChannel, signUpAndIn } from './client';
import type { LocalPlatform } from './start';

export const DEMO = { email: 'demo@example.com', password: 'Demo-Stream-2026!', handle: 'demo' };

export async function runDemo(platform: LocalPlatform, say: (line: string) => void): Promise<{ ffmpeg: ChildProcess }> {
  const e = platform.endpoints;
  const session = await signUpAndIn({ cognitoUrl: e.cognitoUrl, clientId: platform.userPoolClientId, outboxDir: join(platform.dataDir, 'outbox'), ...DEMO });
  await provisionChannel(e.graphqlUrl, session.idToken, DEMO.handle);
  await gql(e.graphqlUrl, 'mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { userId } }', {
    i: { title: 'Demo show: vintage jackets and trading cards', category: 'Fashion', tags: ['vintage', 'demo'], language: 'en', goingLiveMessage: 'The demo show is live!' },
  }, session.accessToken).catch((error: unknown) => say(`demo: stream details not set (${(error as Error).message})`));
  const { products } = await gql<{ products: { productId: string }[] }>(e.graphqlUrl, 'query($c: ID!) { products(channelId: $c) { productId } }', { c: session.sub }, session.accessToken);
  if (!products.length) {
    const catalog = [
      { title: 'Vintage denim jacket', type: 'APPAREL', params: JSON.stringify({ size: 'M', colour: 'Indigo' }), saleMode: 'AUCTION_WITH_BUY_NOW', startingBid: 2500, buyNowPrice: 9000, durationSeconds: 300 },
      { title: 'Rookie trading card, graded', type: 'COLLECTIBLE', params: JSON.stringify({ grade: 'PSA 9', year: 2003 }), saleMode: 'AUCTION', startingBid: 5000, durationSeconds: 180 },
      { title: 'Canvas tote bag', type: 'GENERIC', saleMode: 'BUY_NOW', buyNowPrice: 1800 },
    ];
    for (const p of catalog) {
      await gql(e.graphqlUrl, 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', { i: { channelId: session.sub, currency: 'USD', ...p } }, session.accessToken);
    }
  }
  const { myStreamKey } = await gql<{ myStreamKey: { streamKey: string } }>(e.graphqlUrl, 'query { myStreamKey { streamKey } }', {}, session.accessToken);
  const ffmpeg = spawn('ffmpeg', ['-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '15', '-keyint_min', '15', '-b:v', '2500k', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'flv', `${e.rtmpUrl}${myStreamKey.streamKey}`], { stdio: 'ignore' });
  say(`Demo streamer: ${DEMO.email} / ${DEMO.password} (handle @${DEMO.handle}). Watch: ${e.webUrl}/u/${DEMO.handle}`);
  return { ffmpeg };
}
