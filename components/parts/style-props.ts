/**
 * `style=${styleProps({ 'left': '4px', '--stem': … })}` (CSS property names): inline style set through the CSSOM
 * (`style.setProperty`) on every render, the first included. Lit's `styleMap` writes its first
 * render as a `style` attribute, which a Content-Security-Policy without 'unsafe-inline'
 * blocks (style-src-attr); the CSSOM is allowed.
 */
import { noChange } from 'lit';
import { Directive, directive, PartType, type AttributePart, type PartInfo } from 'lit/directive.js';

class StyleProps extends Directive {
  #set = new Set<string>();

  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.ATTRIBUTE || part.name !== 'style') throw new Error('styleProps() belongs in a style attribute');
  }

  render(_props: Readonly<Record<string, string>>): typeof noChange {
    return noChange;
  }

  override update(part: AttributePart, [props]: [Readonly<Record<string, string>>]): typeof noChange {
    const style = part.element.style;
    for (const name of this.#set) if (!(name in props)) style.removeProperty(name);
    for (const [name, value] of Object.entries(props)) style.setProperty(name, value);
    this.#set = new Set(Object.keys(props));
    return noChange;
  }
}

export const styleProps = directive(StyleProps);
