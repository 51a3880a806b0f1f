/**
 * `npm run bench -- show-night`: a full show against the local mode (show-night/show.ts), loopback
 * only, bounded in count and time. Sizes from SHOW_NIGHT_* environment variables, issue 12's by
 * default: 500 HLS viewers, 300 chat connections of which 50 chat (one message every 2 s), 200 bidders
 * in the last 10 s of an auction, a buy-now race of 50, 1,000 likes, over a 45 s show.
 * Targets: 0 bids lost, 0 chat messages lost.
 */
import { cpus } from 'node:os';
import type { BenchTable } from './run';
import { runShowNight, sizesFromEnv, type Latencies, type ShowNightResult } from './show-night/show';

const ms = (l: Latencies) => `${Math.round(l.p50)} / ${Math.round(l.p99)}`;
const mb = (bytes: number) => Math.round(bytes / 1e6);
const kinds = (m: Record<string, number>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** The result as the tables the bench prints (also used by docs/scaling.md). */
export function showNightTables(r: ShowNightResult): BenchTable[] {
  const s = r.sizes;
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}`;
  const lossRows = [
    { what: 'bids lost (unanswered + accepted but missing from Product.bids)', value: r.bids.lost, target: 0 },
    {
      what: 'chat messages lost (message × connected client pairs not delivered + sends never answered)',
      value: r.chat.lost,
      target: 0,
    },
    { what: 'likes lost (accepted but not counted)', value: r.likes.lost, target: 0 },
    {
      what: 'likes unanswered after 5 tries of 15 s (each retried with its clientLikeId)',
      value: r.likes.unanswered,
      target: 0,
    },
    {
      what: 'likes counted twice (counted beyond the accepted and the unanswered)',
      value: Math.max(0, r.likes.counted - r.likes.accepted - r.likes.unanswered),
      target: 0,
    },
    { what: 'buy-now sales (racers all tapping at once)', value: r.buyNow.sold, target: 1 },
  ];
  const met =
    r.unfinished.length === 0 &&
    r.bids.lost === 0 &&
    r.chat.lost === 0 &&
    r.likes.lost === 0 &&
    r.buyNow.sold === 1 &&
    r.buyNow.salesRecorded === 1;
  return [
    {
      title:
        `Show night, local mode (${machine}): ${s.viewers} viewers, ${s.chatConnections} chat connections (${s.chatters} chatting every ${s.chatIntervalSeconds} s), ` +
        `${s.bidders} bidders × ${s.bidsPerBidder} bids in the last ${s.bidWindowSeconds} s, ${s.buyNowRacers} buy-now racers, ${s.likes} likes, ${s.showSeconds} s show, ${s.video.size} @ ${s.video.bitrate}`,
      rows: lossRows,
      verdict:
        `Targets (0 bids lost, 0 chat messages lost, one buy-now sale): ${met ? 'met' : 'NOT met'}.` +
        (r.unfinished.length ? ` Still running 60 s after the show: ${r.unfinished.join(', ')}.` : ''),
    },
    {
      title: 'Answers and deliveries (ms, p50 / p99; measured in the load generator, which shares the 2 cores)',
      rows: [
        {
          what: 'bid answered (placeBid round trip)',
          'p50 / p99 ms': ms(r.bids.answer),
          count: r.bids.answer.count,
          detail:
            `accepted ${r.bids.accepted}; refused: ${kinds(r.bids.refused)}; history ${r.bids.missingFromHistory} missing, ${r.bids.unexpectedInHistory} unexpected; bidCount ${r.bids.bidCountMatches ? 'matches' : 'DIFFERS'}, price ${r.bids.priceMatches ? 'matches' : 'DIFFERS'}; closed to the highest bid: ${r.bids.closedToHighest ? 'yes' : 'NO'}; ` +
            `load generator's event-loop delay meanwhile p50 / p99 / max ${Math.round(r.bids.generatorLoopDelay.p50)} / ${Math.round(r.bids.generatorLoopDelay.p99)} / ${Math.round(r.bids.generatorLoopDelay.max)} ms (included in the answer times)`,
        },
        {
          what: 'chat delivery (send → each client)',
          'p50 / p99 ms': ms(r.chat.delivery),
          count: r.chat.delivery.count,
          detail: `${r.chat.sent} sent, ${r.chat.delivered}/${r.chat.expectedDeliveries} deliveries; refused: ${kinds(r.chat.refused)}; review fallbacks ${r.chat.reviewFallbacks}; ${r.chat.connected}/${r.chat.connections} connected, ${r.chat.reconnects} reconnects, ${r.chat.disconnects} disconnects, ${r.chat.tokenFailures} token failures`,
        },
        {
          what: 'buy now answered',
          'p50 / p99 ms': ms(r.buyNow.answer),
          count: r.buyNow.answer.count,
          detail: `${r.buyNow.sold} sold, refused: ${kinds(r.buyNow.refused)}, ${r.buyNow.unanswered} unanswered, ${r.buyNow.salesRecorded} sale recorded`,
        },
        {
          what: 'like answered',
          'p50 / p99 ms': ms(r.likes.answer),
          count: r.likes.answer.count,
          detail: `${r.likes.accepted} accepted, ${r.likes.counted} counted on the stream, ${r.likes.retried} retries with the same id; refused: ${kinds(r.likes.refused)}`,
        },
        {
          what: 'HLS segment download',
          'p50 / p99 ms': ms(r.viewers.segment),
          count: r.viewers.segment.count,
          detail: `${r.viewers.playlistFetches} playlist fetches, ${r.viewers.segmentErrors} segment errors (${kinds(r.viewers.segmentErrorKinds)}), ${r.viewers.playlistErrors} playlist errors, ${Math.round(r.viewers.megabytes)} MB served`,
        },
      ],
    },
    {
      title:
        'Viewer count: what the platform reports (stream health poller → GetStream → streamer.viewerCount) vs the viewers running',
      rows: [
        {
          'viewers running': r.viewers.running,
          'reported median': r.viewers.reportedMedian,
          'reported min': r.viewers.reportedMin,
          'reported max': r.viewers.reportedMax,
          accuracy: `${Math.round((r.viewers.reportedMedian / Math.max(1, r.viewers.running)) * 1000) / 10}%`,
        },
      ],
    },
    {
      title: `Local mode resources during the show (process tree of the local mode, sampled every 500 ms; CPU in cores of ${cpus().length})`,
      rows: [
        {
          process: 'local mode, all processes',
          'peak CPU (cores)': r.resources.tree.peakCpu.toFixed(2),
          'mean CPU (cores)': r.resources.tree.meanCpu.toFixed(2),
          'peak RSS (MB)': mb(r.resources.tree.peakRss),
        },
        ...Object.entries(r.resources.tree.byKind).map(([k, v]) => ({
          process: `  ${k}`,
          'peak CPU (cores)': v.peakCpu.toFixed(2),
          'mean CPU (cores)': '',
          'peak RSS (MB)': mb(v.peakRss),
        })),
        ...Object.entries(r.resources.others).map(([k, v]) => ({
          process: `(outside) ${k}`,
          'peak CPU (cores)': v.peakCpu.toFixed(2),
          'mean CPU (cores)': '',
          'peak RSS (MB)': mb(v.peakRss),
        })),
      ],
      verdict: `Setup: local mode up in ${r.setup.platformStartSeconds.toFixed(1)} s, ${r.setup.accounts} accounts in ${r.setup.signUpSeconds.toFixed(1)} s, live in ${r.setup.liveSeconds.toFixed(1)} s.`,
    },
  ];
}

export default async function bench(): Promise<BenchTable[]> {
  return showNightTables(await runShowNight(sizesFromEnv(), (line) => console.error(`show-night: ${line}`)));
}
