import { describe, expect, it } from 'vitest';
import { csvCell, daysCsv, reportCsv, reportFileName, toCsv } from '../../../frontend/src/features/analytics/csv';
import {
  dayTotals,
  formatPercent,
  formatWatchTime,
  lastDays,
  seriesSummary,
  type StreamReport,
} from '../../../frontend/src/features/analytics/report';
import { shareLink, type ShareNavigator } from '../../../frontend/src/features/analytics/share';

/** A minimal RFC 4180 reader: what a spreadsheet does with the file. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const next = text.charAt(i + 1);
    if (quoted && ch === '"' && next === '"') {
      cell += '"';
      i++;
    } else if (quoted && ch === '"') {
      quoted = false;
    } else if (quoted) {
      cell += ch;
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && next === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += ch;
    }
  }
  return rows;
}

const report: StreamReport = {
  streamId: 'st-1',
  channelId: 'u-alice',
  title: 'Sneaker drop, "limited"',
  startedAt: '2026-12-02T18:00:00.000Z',
  endedAt: '2026-12-02T19:00:00.000Z',
  live: false,
  views: 120,
  uniqueViewers: 100,
  peakConcurrent: 64,
  averageWatchSeconds: 612.44,
  final: true,
  watchHours: 20.416,
  likes: 300,
  shares: 7,
  chatMessages: 410,
  followerGain: -2,
  salesRevenueMinor: 123_450,
  giftCoins: 900,
  currency: 'USD',
  concurrency: [
    { at: '2026-12-02T18:00:00.000Z', viewers: 10 },
    { at: '2026-12-02T18:01:00.000Z', viewers: 64 },
  ],
  retention: [
    { minute: 0, share: 1 },
    { minute: 1, share: 0.755 },
  ],
  products: [
    {
      productId: 'p1',
      title: 'Air, size 42',
      impressions: 80,
      clicks: 20,
      ctr: 0.25,
      purchases: 5,
      conversion: 0.0625,
      revenueMinor: 100_000,
    },
    {
      productId: 'p2',
      title: '=HYPERLINK("http://evil.example","win")',
      impressions: 0,
      clicks: 0,
      ctr: 0,
      purchases: 0,
      conversion: 0,
      revenueMinor: 0,
    },
  ],
  topGifters: [{ userId: 'u-bob', handle: 'bob', coins: 900 }],
  snapshots: [{ at: '2026-12-02T18:05:00.000Z', concurrent: 50, views: 60, likes: 10, revenueMinor: 5_000 }],
  generatedAt: '2026-12-02T19:00:40.000Z',
};

describe('CSV export', () => {
  it('quotes separators, quotes and line breaks; numbers and plain text as they are', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(Number.NaN)).toBe('');
  });

  it('text a spreadsheet would run as a formula is written as text; negative numbers stay numbers', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+SUM(A1)')).toBe("'+SUM(A1)");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('-12.50')).toBe('-12.50');
    expect(csvCell(-2)).toBe('-2');
  });

  it('rows end with CRLF', () => {
    expect(
      toCsv([
        ['a', 1],
        ['b', 2],
      ]),
    ).toBe('a,1\r\nb,2\r\n');
  });

  it("a stream's report reads back with its figures, money in major units and rates as percentages", () => {
    const rows = parseCsv(reportCsv(report));
    const value = (label: string) => rows.find((r) => r[0] === label)?.[1];
    expect(value('Title')).toBe('Sneaker drop, "limited"');
    expect(value('Views')).toBe('120');
    expect(value('Average watch time (seconds)')).toBe('612.4');
    expect(value('Watch hours')).toBe('20.42');
    expect(value('Follower gain')).toBe('-2');
    expect(value('Sales revenue (USD)')).toBe('1234.50');
    const header = rows.findIndex((r) => r[0] === 'Product id');
    expect(rows[header]).toEqual([
      'Product id',
      'Title',
      'Impressions',
      'Clicks',
      'CTR (%)',
      'Purchases',
      'Conversion (%)',
      'Revenue (USD)',
    ]);
    expect(rows[header + 1]).toEqual(['p1', 'Air, size 42', '80', '20', '25', '5', '6.25', '1000.00']);
    expect(rows[header + 2]?.[1]).toBe(`'=HYPERLINK("http://evil.example","win")`);
    const retention = rows.findIndex((r) => r[0] === 'Minute');
    expect(rows.slice(retention + 1, retention + 3)).toEqual([
      ['0', '100'],
      ['1', '75.5'],
    ]);
    // Handles go without their "@", which a spreadsheet would read as a formula.
    expect(rows.find((r) => r[0] === 'bob')).toEqual(['bob', '900']);
    expect(rows.find((r) => r[0] === '2026-12-02T18:05:00.000Z')).toEqual([
      '2026-12-02T18:05:00.000Z',
      '50',
      '60',
      '10',
      '50.00',
    ]);
  });

  it('a live report says so where the end time goes', () => {
    const rows = parseCsv(reportCsv({ ...report, endedAt: null, live: true }));
    expect(rows.find((r) => r[0] === 'Ended')?.[1]).toBe('live');
  });

  it('the days export has one row a day; file names are safe', () => {
    const rows = parseCsv(
      daysCsv(
        [{ date: '2026-12-01', views: 3, watchHours: 1.234, salesRevenueMinor: 999, giftCoins: 5, followers: 2 }],
        'JPY',
      ),
    );
    expect(rows).toEqual([
      ['Date', 'Views', 'Watch hours', 'Sales revenue (JPY)', 'Gift coins', 'Followers'],
      ['2026-12-01', '3', '1.23', '999', '5', '2'],
    ]);
    expect(reportFileName(report)).toBe('stream-report-2026-12-02-sneaker-drop-limited.csv');
    expect(reportFileName({ ...report, title: '🔥🔥' })).toBe('stream-report-2026-12-02-st-1.csv');
  });
});

describe('dashboard figures', () => {
  it('the last 30 days are exactly 30, oldest first, with zeros for days the API left out', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    const days = lastDays(
      [
        { date: '2026-12-03', views: 5, watchHours: 1, salesRevenueMinor: 100, giftCoins: 0, followers: 1 },
        { date: '2026-10-01', views: 99, watchHours: 9, salesRevenueMinor: 9, giftCoins: 9, followers: 9 },
      ],
      30,
      now,
    );
    expect(days).toHaveLength(30);
    expect(days[0]?.date).toBe('2026-11-04');
    expect(days[29]).toMatchObject({ date: '2026-12-03', views: 5 });
    expect(dayTotals(days)).toEqual({ views: 5, watchHours: 1, salesRevenueMinor: 100, giftCoins: 0, followers: 1 });
  });

  it('rates, watch times and chart summaries read as sentences', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(Number.NaN)).toBe('—');
    expect(formatWatchTime(45)).toBe('45 s');
    expect(formatWatchTime(252)).toBe('4 min 12 s');
    expect(formatWatchTime(3900)).toBe('1 h 05 min');
    expect(
      seriesSummary(
        'Views per day',
        [
          { x: '1 Dec', y: 2 },
          { x: '2 Dec', y: 7 },
        ],
        String,
        'total',
      ),
    ).toBe('Views per day: 9 in all, most on 2 Dec (7).');
    expect(seriesSummary('Concurrent viewers', [{ x: '18:01', y: 64 }], String, 'peak')).toBe(
      'Concurrent viewers: peak 64 at 18:01.',
    );
    expect(seriesSummary('Views per day', [], String, 'total')).toBe('Views per day: no data yet.');
  });
});

describe('Share button', () => {
  const link = { url: 'https://shop.example/u/alice', title: 'Alice live' };
  const abort = () => Object.assign(new Error('cancelled'), { name: 'AbortError' });

  it('uses the share sheet where there is one; a viewer who closes it has shared nothing and nothing is copied', async () => {
    const copied: string[] = [];
    const nav: ShareNavigator = {
      share: async () => undefined,
      clipboard: { writeText: async (t) => void copied.push(t) },
    };
    expect(await shareLink(link, nav)).toBe('web_share');
    expect(
      await shareLink(link, {
        ...nav,
        share: async () => {
          throw abort();
        },
      }),
    ).toBe('cancelled');
    expect(copied).toEqual([]);
  });

  it('copies the link without a share sheet, or when the browser refuses it; says when nothing worked', async () => {
    const copied: string[] = [];
    const clipboard = { writeText: async (t: string) => void copied.push(t) };
    expect(await shareLink(link, { clipboard })).toBe('copy_link');
    expect(
      await shareLink(link, {
        clipboard,
        share: async () => {
          throw Object.assign(new Error('no'), { name: 'NotAllowedError' });
        },
      }),
    ).toBe('copy_link');
    expect(await shareLink(link, { clipboard, share: async () => undefined, canShare: () => false })).toBe('copy_link');
    expect(copied).toEqual([link.url, link.url, link.url]);
    const refused = {
      writeText: async () => {
        throw new Error('denied');
      },
    };
    expect(await shareLink(link, { clipboard: refused }, () => true)).toBe('copy_link');
    expect(await shareLink(link, { clipboard: refused }, () => false)).toBe('failed');
  });
});
