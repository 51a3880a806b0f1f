/**
 * The app's own confirmation dialog, asked from anywhere with one call (instead of the browser's
 * `confirm`, which looks foreign, blocks the page and cannot say what the button does).
 */
import { mount, unmount, type Component } from 'svelte';
import Dialog from './ConfirmDialog.svelte';

// astro check types a .svelte import seen from a .ts file as an Astro component; it is a Svelte one.
const ConfirmDialog = Dialog as unknown as Component<{ options: ConfirmOptions; onanswer: (yes: boolean) => void }>;

export interface ConfirmOptions {
  title: string;
  body: string;
  /** The button that goes ahead says what it does ("Ban", "Close auction"). */
  confirmLabel: string;
  /** @default 'Cancel' */
  cancelLabel?: string;
  /** Red confirm button for what cannot be undone. @default true */
  danger?: boolean;
}

/** Shows the dialog; resolves true when the user confirms, false on Cancel or Escape. */
export function confirmDialog(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const target = document.createElement('div');
    document.body.append(target);
    const component = mount(ConfirmDialog, {
      target,
      props: {
        options,
        onanswer: (yes: boolean) => {
          resolve(yes);
          // After the click that answered has finished propagating.
          setTimeout(() => {
            void unmount(component);
            target.remove();
          });
        },
      },
    });
  });
}
