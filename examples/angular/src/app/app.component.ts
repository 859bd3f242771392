import { Component, signal } from '@angular/core';
import { CatalogueComponent } from './catalogue.component';

/** Shows the catalogue until `leave()` is called (the test leaves while requests are in flight). */
@Component({
  selector: 'app-root',
  standalone: true,
  imports: [CatalogueComponent],
  template: `
    @if (visible()) {
      <app-catalogue />
    } @else {
      <p>left</p>
    }
  `,
})
export class AppComponent {
  readonly visible = signal(true);

  constructor() {
    (globalThis as { leaveCatalogue?: () => void }).leaveCatalogue = () => this.visible.set(false);
  }
}
