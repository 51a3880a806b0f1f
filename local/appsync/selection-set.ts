/** `ctx.info.selectionSetList` as AppSync builds it: every selected field's path, fragments flattened. */
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

function selectionSetList(nodes: readonly FieldNode[], info: GraphQLResolveInfo): string[] {
  const out: string[] = [];
  const walk = (set: SelectionSetNode | undefined, prefix: string): void => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        const path = prefix + sel.name.value;
        out.push(path);
        walk(sel.selectionSet, `${path}/`);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, prefix);
      else walk(info.fragments[sel.name.value]?.selectionSet, prefix);
    }
  };
  for (const node of nodes) walk(node.selectionSet, '');
  return [...new Set(out)];
}

/**
 * The list per field node of a (cached) document; fragments resolve the same way for a given
 * document, so the first field node identifies the list. Each call answers a fresh copy.
 */
export function cachedSelectionSetLists(): (info: GraphQLResolveInfo) => string[] {
  const selectionLists = new WeakMap<FieldNode, string[]>();
  return (info) => {
    const first = info.fieldNodes[0];
    if (!first || info.fieldNodes.length > 1) return selectionSetList(info.fieldNodes, info);
    let list = selectionLists.get(first);
    if (!list) {
      list = selectionSetList(info.fieldNodes, info);
      selectionLists.set(first, list);
    }
    return [...list];
  };
}
