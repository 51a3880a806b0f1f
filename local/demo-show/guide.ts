/** The "what to try" list `npm start -- --demo` prints once the demo is live. Pure. */
import type { DemoAccount } from './accounts';

export interface GuideInput {
  readonly webUrl: string;
  /** Where confirmation codes are written (`<dataDir>/outbox`). */
  readonly outboxDir: string;
  readonly streamer: DemoAccount;
  /** The offline streamer, with her stream key for OBS (absent when it could not be read). */
  readonly pastShow: DemoAccount & { readonly ingestServer?: string; readonly streamKey?: string };
  /** Whether her replay is there already (a fresh data directory makes it in the first minute). */
  readonly pastShowReady: boolean;
  /** How many simulated viewers are watching (0 with --quiet). */
  readonly audience: number;
}

/** The list, one line per thing to try, ready to print. */
export function whatToTry(g: GuideInput): string[] {
  const web = g.webUrl.replace(/\/$/, '');
  const v = g.pastShow;
  return [
    '',
    'What to try:',
    `  1. Watch the live show as a guest: ${web}/u/${g.streamer.handle}`,
    '     The clock on the picture is when each frame was sent: the gap to your own clock is the live latency.',
    g.audience
      ? `     ${g.audience} simulated viewers chat, like, bid in the last seconds (watch the soft close push the end back), buy and send gifts. \`--demo --quiet\` starts without them.`
      : '     Started with --quiet: no simulated viewers.',
    `  2. Run the show: log in at ${web}/signin/ as ${g.streamer.email} / ${g.streamer.password}, then open Studio (${web}/studio/): products, auctions, chat moderation, stream health.`,
    `  3. Bid yourself: sign up at ${web}/signin/?mode=register with any e-mail address. The confirmation code is not e-mailed:`,
    `     it is written to ${g.outboxDir}/cognito-*.json (the newest file naming your address).`,
    `  4. Buy coins at ${web}/wallet/ with the test card 4242 4242 4242 4242 (any future expiry, any CVC), then send a gift from the watch page.`,
    `  5. A replay with its sales on the timeline: "Recent replays" on ${web}/ (@${v.handle}'s past show${g.pastShowReady ? '' : ', ready within a minute'}).`,
    `     Her profile ${web}/u/${v.handle} shows her offline card, the replay and her next scheduled show.`,
    ...(v.streamKey
      ? [
          `  6. Stream from OBS as @${v.handle}: Settings → Stream → Service "Custom", Server ${v.ingestServer ?? ''}, Stream key ${v.streamKey}`,
          `     (keyframe interval 1 s for the lowest latency). Log in as ${v.email} / ${v.password} to watch it arrive in Studio.`,
        ]
      : [`  6. Stream from OBS: sign up, open Studio and use the server and stream key on its stream key card.`]),
    '',
  ];
}
