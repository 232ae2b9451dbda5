export { topCommand } from './top-command.ts';
