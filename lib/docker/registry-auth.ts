// The credentials a Docker engine takes for a registry (the X-Registry-Auth header of a pull, a push or a
// service update): the registry's username and password and the registry's address.
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}
