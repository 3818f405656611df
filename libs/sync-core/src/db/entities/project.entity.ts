import { Column, Entity, PrimaryColumn } from 'typeorm';
import { idColumn, timeColumn } from '../columns.js';

@Entity('project')
export class Project {
  @PrimaryColumn(idColumn) id: string;
  @Column({ type: 'varchar', length: 64, unique: true }) slug: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ ...timeColumn, name: 'created_at' }) createdAt: string;
  /** With published forms, OpenRosa submissions naming another form or version are taken too (otherwise refused, 404, as ODK Central does). */
  @Column({ type: 'boolean', name: 'accept_unknown_forms', default: false }) acceptUnknownForms: boolean;
}
