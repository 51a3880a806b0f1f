/**
 * The demo's people: the demo streamer who is live, a second streamer whose show already happened,
 * and the simulated audience. All are ordinary accounts signed up through Cognito like anyone else;
 * their passwords are printed by `npm start -- --demo`, so anyone can log in as them.
 */

/** An account the demo signs up (or signs in, when it exists). */
export interface DemoAccount {
  readonly email: string;
  readonly password: string;
  readonly handle: string;
}

/** The streamer who is live from the ffmpeg test pattern. */
export const DEMO_STREAMER: DemoAccount = { email: 'demo@example.com', password: 'Demo-Stream-2026!', handle: 'demo' };

/** The second streamer: offline, with a finished show (a replay with three sales) and a scheduled one. */
export const PAST_SHOW_STREAMER: DemoAccount & { readonly displayName: string } = {
  email: 'vera@example.com',
  password: 'Demo-Vintage-2026!',
  handle: 'vera_vintage',
  displayName: "Vera's Vintage",
};

/** One simulated viewer: an account and a voice for the chat. */
export interface Persona extends DemoAccount {
  /** Short lines only this viewer says, so the chat does not read like one voice. */
  readonly catchphrases: readonly string[];
}

const AUDIENCE_PASSWORD = 'Demo-Audience-2026!';

/** The simulated audience, in the order the first few are signed up. */
export const AUDIENCE: readonly Persona[] = [
  {
    email: 'ava.finds@example.com',
    password: AUDIENCE_PASSWORD,
    handle: 'ava_finds',
    catchphrases: ['ok this is my kind of show', 'saving up for the next lot', 'love the energy today'],
  },
  {
    email: 'ben.bids@example.com',
    password: AUDIENCE_PASSWORD,
    handle: 'ben_bids',
    catchphrases: ['I always bid in the last seconds 😅', 'my budget is crying', 'here for the auctions'],
  },
  {
    email: 'cleo.collects@example.com',
    password: AUDIENCE_PASSWORD,
    handle: 'cleo_collects',
    catchphrases: ['any more trading cards coming?', 'the grading on that card is nice', 'collector mode on'],
  },
  {
    email: 'dev.thrifts@example.com',
    password: AUDIENCE_PASSWORD,
    handle: 'dev_thrifts',
    catchphrases: ['thrift gods are smiling today', 'that denim though', 'watching from my lunch break'],
  },
  {
    email: 'emi.styles@example.com',
    password: AUDIENCE_PASSWORD,
    handle: 'emi_styles',
    catchphrases: ['how would you style that?', 'the colours in this show are great', 'need this for my wardrobe'],
  },
];
