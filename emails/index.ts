// Rendering every email of the process: templates by name, one layout, the partnership's configuration.
export { type EmailConfig, loadEmailConfig } from './config';
export { EmailInputError, type IsoDateTime, type Label, type Link } from './fields';
export { TEMPLATE_NAMES, type TemplateData, type TemplateName, templates } from './registry';
export { createRenderer, mjmlOf, type RenderedEmail, type Renderer, type RenderOptions } from './render';
