import type { Notification } from '../../lib/types';

/** Window event the inbox fires after marking notifications read, so every bell on the page recounts. */
export const NOTIFICATIONS_READ_EVENT = 'bidstream:notifications-read';

/** Adds or replaces a pushed notification, newest first (a redelivery never counts twice). */
export function mergeNotification(list: Notification[], n: Notification): Notification[] {
  return [n, ...list.filter((x) => x.notificationId !== n.notificationId)].sort(
    (a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt),
  );
}

/** How many are unread. */
export function unreadCount(list: readonly Notification[]): number {
  return list.filter((n) => !n.read).length;
}

/** The bell's badge: nothing at zero, "99+" beyond 99. */
export function badgeText(unread: number): string {
  return unread <= 0 ? '' : unread > 99 ? '99+' : String(unread);
}

/** The bell's accessible name. */
export function bellLabel(unread: number): string {
  return unread ? `Notifications, ${unread} unread` : 'Notifications';
}
