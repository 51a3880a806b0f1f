/**
 * @aws_subscribe delivery: a subscription is checked at connect time as AppSync does (auth rules
 * and its resolver), and each successful mutation field is pushed to the subscribers whose field
 * lists that mutation and whose arguments match the mutation's result, projected through the
 * subscriber's own selection.
 */
import {
  Kind,
  getNamedType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Engine, EngineRequest, EngineResult, LocalAuth } from './engine';
import type { PreparedDocument } from './documents';

interface Subscriber {
  field: string;
  args: Record<string, unknown>;
  document: DocumentNode;
  operationName?: string;
  variables?: Record<string, unknown>;
  auth: LocalAuth;
  onData: (result: EngineResult) => void;
}

/** Executes a document, or projects `rootValue` through it when given. */
type Run = (req: EngineRequest, document: DocumentNode, rootValue?: unknown) => Promise<EngineResult>;

/** The mutations a subscription field's @aws_subscribe lists. */
function subscribedMutations(subscriptionType: GraphQLObjectType, field: string): string[] {
  const mutations = subscriptionType
    .getFields()
    [field]?.astNode?.directives?.find((d) => d.name.value === 'aws_subscribe')
    ?.arguments?.find((a) => a.name.value === 'mutations')?.value;
  return mutations?.kind === Kind.LIST ? mutations.values.map((v) => (v.kind === Kind.STRING ? v.value : '')) : [];
}

export function subscriptions(schema: GraphQLSchema, run: Run) {
  const subscribers = new Set<Subscriber>();

  /** Pushes a mutation's successful fields to the matching subscribers. */
  const publish = async (operation: OperationDefinitionNode, result: EngineResult): Promise<void> => {
    if (!subscribers.size || !result.data) return;
    const subscriptionType = schema.getSubscriptionType();
    if (!subscriptionType) return;
    for (const sel of operation.selectionSet.selections) {
      if (sel.kind !== Kind.FIELD) continue;
      const mutation = sel.name.value;
      const value = (result.data as Record<string, unknown>)[sel.alias?.value ?? mutation];
      const failed = (result.errors ?? []).some((e) => e.path?.[0] === (sel.alias?.value ?? mutation));
      if (value === null || value === undefined || failed) continue;
      for (const sub of subscribers) {
        if (!subscribedMutations(subscriptionType, sub.field).includes(mutation)) continue;
        const record = value as Record<string, unknown>;
        if (!Object.entries(sub.args).every(([k, v]) => v === null || v === undefined || record[k] === v)) continue;
        const projected = await run(
          { query: '', variables: sub.variables, operationName: sub.operationName, auth: sub.auth },
          sub.document,
          { [sub.field]: value },
        );
        sub.onData(projected);
      }
    }
  };

  /** Checks and registers one subscription request. */
  const subscribe = async (
    req: EngineRequest,
    { document, operation }: PreparedDocument,
    onData: (result: EngineResult) => void,
  ): ReturnType<Engine['subscribe']> => {
    const fields = operation.selectionSet.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD);
    const first = fields[0];
    if (operation.operation !== 'subscription' || fields.length !== 1 || !first) {
      return {
        ok: false,
        errors: [
          { message: 'A subscription request selects exactly one subscription field', errorType: 'ValidationError' },
        ],
      };
    }
    // Runs the subscription field as AppSync does at connect time: auth rules and its resolver.
    const check = await run(req, document);
    if (check.errors?.length) return { ok: false, errors: check.errors };
    const subscriptionType = schema.getSubscriptionType() as GraphQLObjectType;
    const fieldDef = subscriptionType.getFields()[first.name.value];
    if (!fieldDef || !isObjectType(getNamedType(fieldDef.type)))
      return { ok: false, errors: [{ message: 'Unknown subscription field' }] };
    const args: Record<string, unknown> = {};
    for (const arg of first.arguments ?? []) {
      const v = arg.value;
      args[arg.name.value] =
        v.kind === Kind.VARIABLE
          ? req.variables?.[v.name.value]
          : v.kind === Kind.NULL
            ? null
            : 'value' in v
              ? v.value
              : undefined;
    }
    const sub: Subscriber = {
      field: first.name.value,
      args,
      document,
      operationName: req.operationName,
      variables: req.variables,
      auth: req.auth,
      onData,
    };
    subscribers.add(sub);
    return { ok: true, unsubscribe: () => void subscribers.delete(sub) };
  };

  return { publish, subscribe };
}
