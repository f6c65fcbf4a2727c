// Reads the configuration classes from their source with the TypeScript compiler API (a tool may not
// import apps): each class, what it extends, and each property with its decorators, doc comment and
// default. Runtime metadata would give the checks but not the comments that explain them.
import ts from 'typescript';

/** One property of a configuration class as written. */
export interface ConfigProperty {
  readonly name: string;
  /** The doc comment, as one paragraph. */
  readonly doc: string;
  /** Each decorator's call as written, e.g. `EnvInt({ min: 1, max: 64 })`. */
  readonly decorators: readonly string[];
  /** The initializer as written, or null. */
  readonly initializer: string | null;
  /** `override X = …` without decorators: only a different default for an inherited variable. */
  readonly overridesDefault: boolean;
}

export interface ConfigClass {
  readonly name: string;
  readonly extendsName: string | null;
  readonly doc: string;
  readonly properties: readonly ConfigProperty[];
}

/** The configuration classes (those with `@Env…` decorators or extending one) declared in `source`. */
export function readConfigClasses(fileName: string, source: string): { classes: ConfigClass[]; constants: Map<string, string> } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const classes: ConfigClass[] = [];
  const constants = new Map<string, string>();
  const text = (node: ts.Node): string => node.getText(file);
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      // `export const SMTP_TLS_MODES = ['a', 'b'] as const;`: named in `EnvEnum(SMTP_TLS_MODES)`.
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.initializer) constants.set(declaration.name.text, text(unwrapAsConst(declaration.initializer)));
      }
    }
    if (!ts.isClassDeclaration(statement) || !statement.name) continue;
    const heritage = statement.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    const properties: ConfigProperty[] = [];
    for (const member of statement.members) {
      if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const decorators = (ts.getDecorators(member) ?? []).map((d) => text(d.expression));
      const isOverride = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.OverrideKeyword);
      if (decorators.length === 0 && !isOverride) continue;
      properties.push({
        name: member.name.text,
        doc: docOf(member, file),
        decorators,
        initializer: member.initializer ? text(member.initializer) : null,
        overridesDefault: decorators.length === 0 && isOverride,
      });
    }
    if (properties.length === 0 && !heritage) continue;
    classes.push({ name: statement.name.text, extendsName: heritage ? text(heritage.expression) : null, doc: docOf(statement, file), properties });
  }
  return { classes, constants };
}

function unwrapAsConst(node: ts.Expression): ts.Expression {
  return ts.isAsExpression(node) ? node.expression : node;
}

/** The JSDoc comment right above a node, its lines joined into one paragraph. */
function docOf(node: ts.Node, file: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(file.text, node.getFullStart()) ?? [];
  const jsdoc = ranges.filter((r) => file.text.startsWith('/**', r.pos)).pop();
  if (!jsdoc) return '';
  return file.text
    .slice(jsdoc.pos + 3, jsdoc.end - 2)
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
}
