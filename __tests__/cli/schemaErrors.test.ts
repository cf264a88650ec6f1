/**
 * Every error at once, with locations (issue 15): each invalid annotation of a schema in one pass, with
 * coordinate, directive, reason and `file:line:column`; graphql-js schema errors located the same way.
 */
import { buildSchema } from 'graphql';
import { COST_DIRECTIVES_SDL, CostAnalyzer, CostError, auditSchema } from '../../src/cost/index.js';
import { CliErrorCode, ExitCode } from '../../src/cli/main.js';
import { memoryCli } from '../helpers/memoryCli.js';
import type { MemoryRun } from '../helpers/memoryCli.js';

/** Three bad annotations on lines 3, 4 and 6 (and one good one on line 5). */
const BAD = `type Query {
  ok(first: Int): [Item!]! @listSize(slicingArguments: ["first"])
  a(first: Int): [Item!]! @listSize(slicingArguments: ["nope"])
  b: Item @cost(weight: "heavy")
  c(last: Int): [Item!]! @listSize(slicingArguments: ["last"])
  d(first: Int): [Item!]! @listSize(slicingArguments: ["first"], sizedFields: 3)
}
type Item { id: ID }
`;

function cli(argv: string[], files: Record<string, string>): Promise<MemoryRun> {
  return memoryCli(argv, files);
}

describe('invalid annotations: all of them, in one pass', () => {
  test('the analyzer throws one error that lists every invalid annotation, located', () => {
    const schema = buildSchema(`${COST_DIRECTIVES_SDL}\n${BAD}`, { noLocation: false });
    let error: CostError | undefined;
    try {
      new CostAnalyzer(schema);
    } catch (caught) {
      error = caught as CostError;
    }
    expect(error).toBeInstanceOf(CostError);
    expect(error!.errors.map((e) => e.extensions.coordinate)).toEqual(['Query.a', 'Query.b', 'Query.d']);
    expect(error!.errors.map((e) => e.extensions.directive)).toEqual(['@listSize', '@cost', '@listSize']);
    const offset = COST_DIRECTIVES_SDL.split('\n').length;
    expect(error!.errors.map((e) => e.locations?.[0]?.line)).toEqual([offset + 3, offset + 4, offset + 6]);
    expect(error!.message.split('\n')[0]).toBe('3 invalid cost annotations:');
    for (const problem of error!.errors) expect(error!.message).toContain(problem.message);
  });

  test('one invalid annotation stays one error, its message unchanged, and lists itself', () => {
    const schema = buildSchema(`${COST_DIRECTIVES_SDL}\ntype Query { b: Int @cost(weight: "heavy") }`);
    expect(() => new CostAnalyzer(schema)).toThrow(/^Invalid cost annotation on Query\.b: /);
    try {
      new CostAnalyzer(schema);
    } catch (caught) {
      expect((caught as CostError).errors).toEqual([caught]);
    }
  });

  test('the audit has one finding per invalid annotation, each located', () => {
    const schema = buildSchema(`${COST_DIRECTIVES_SDL}\n${BAD}`);
    const audit = auditSchema(schema);
    const invalid = audit.findings.filter((f) => f.code === 'INVALID_ANNOTATION');
    expect(invalid.map((f) => f.coordinate)).toEqual(['Query.a', 'Query.b', 'Query.d']);
    expect(invalid.every((f) => f.location !== undefined && f.location.column > 0)).toBe(true);
  });
});

describe('the CLI prints file:line:column for each', () => {
  test('cost: every invalid annotation, each at its directive', async () => {
    const run = await cli(['cost', '--schema', 's.graphql', '-q', '{ ok { id } }'], { 's.graphql': BAD });
    expect(run.code).toBe(ExitCode.ERROR);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toBe('graphql-quota: INVALID_COST_DIRECTIVE: 3 invalid cost annotations:');
    expect(lines[1]).toMatch(/^s\.graphql:3:27: Invalid cost annotation on Query\.a: /);
    expect(lines[2]).toMatch(/^s\.graphql:4:11: Invalid cost annotation on Query\.b: /);
    expect(lines[3]).toMatch(/^s\.graphql:6:27: Invalid cost annotation on Query\.d: /);
    expect(lines).toHaveLength(4);
  });

  test('audit: each finding says where', async () => {
    const run = await cli(['audit', '--schema', 's.graphql'], { 's.graphql': BAD });
    expect(run.out).toContain('at s.graphql:3:27');
    expect(run.out).toContain('at s.graphql:4:11');
    expect(run.out).toContain('at s.graphql:6:27');
  });

  test('graphql-js schema errors: every one, located in the right file', async () => {
    const files = {
      'a.graphql': 'type Query {\n  a: Missing\n}\n',
      'b.graphql': 'type Item {\n  id: ID @nope\n  other: Gone\n}\n',
    };
    const run = await cli(['cost', '--schema', 'a.graphql', '--schema', 'b.graphql', '-q', '{ a }'], files);
    expect(run.code).toBe(ExitCode.ERROR);
    const lines = run.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`graphql-quota: ${CliErrorCode.INVALID_SCHEMA}: 3 schema errors:`);
    expect(lines.slice(1).sort()).toEqual([
      'a.graphql:2:6: Unknown type "Missing".',
      'b.graphql:2:10: Unknown directive "@nope".',
      'b.graphql:3:10: Unknown type "Gone".',
    ]);
  });
});
